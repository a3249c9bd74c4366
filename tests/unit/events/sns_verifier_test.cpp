#include "upgate/events/sns_verifier.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "support/sns_fixtures.hpp"
#include "support/test_data.hpp"
#include "upgate/events/s3_event_records.hpp"
#include "upgate/events/sns_message.hpp"

namespace upgate::events {
namespace {

using namespace std::chrono_literals;

using testing::kSnsCertBase;
using testing::kSnsNow;
using testing::make_sns_verifier;
using testing::sns_test_options;
using FixtureHost = testing::SnsFixtureHost;

SnsMessage message(const std::string& name) {
  auto parsed = parse_sns_message(testing::sns_message_text(name));
  EXPECT_TRUE(parsed) << name << ": " << (parsed ? "" : parsed.error());
  return std::move(*parsed);
}

SnsRefusalCode refusal(const SnsVerifier& verifier, const SnsMessage& m,
                       std::string* text = nullptr) {
  auto result = verifier.verify(m, kSnsNow);
  EXPECT_FALSE(result) << "accepted";
  if (result) return SnsRefusalCode::kBadSignature;
  if (text != nullptr) *text = result.error().message;
  return result.error().code;
}

TEST(SnsMessage, ParsesTheThreeTypes) {
  const SnsMessage n = message("notification_v2.json");
  EXPECT_EQ(n.type, SnsMessageType::kNotification);
  EXPECT_EQ(n.message_id, "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324");
  EXPECT_EQ(n.topic_arn, "arn:aws:sns:us-east-1:123456789012:upgate-uploads");
  EXPECT_EQ(n.subject, "Amazon S3 Notification");
  EXPECT_EQ(n.signature_version, "2");
  EXPECT_TRUE(
      n.unsubscribe_url.starts_with("https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"));
  const SnsMessage s = message("subscription_confirmation.json");
  EXPECT_EQ(s.type, SnsMessageType::kSubscriptionConfirmation);
  EXPECT_FALSE(s.token.empty());
  EXPECT_TRUE(s.subscribe_url.starts_with(
      "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"));
  EXPECT_FALSE(s.subject);
  EXPECT_EQ(message("unsubscribe_confirmation.json").type,
            SnsMessageType::kUnsubscribeConfirmation);
  EXPECT_FALSE(message("notification_no_subject.json").subject);
}

TEST(SnsMessage, StringToSignAsDocumented) {
  SnsMessage n;
  n.type = SnsMessageType::kNotification;
  n.message = "Hello\nworld";
  n.message_id = "id";
  n.subject = "S";
  n.timestamp = "2030-01-01T00:00:00.000Z";
  n.topic_arn = "arn:t";
  EXPECT_EQ(sns_string_to_sign(n),
            "Message\nHello\nworld\nMessageId\nid\nSubject\nS\nTimestamp\n"
            "2030-01-01T00:00:00.000Z\nTopicArn\narn:t\nType\nNotification\n");
  n.subject.reset();
  EXPECT_EQ(sns_string_to_sign(n),
            "Message\nHello\nworld\nMessageId\nid\nTimestamp\n"
            "2030-01-01T00:00:00.000Z\nTopicArn\narn:t\nType\nNotification\n");
  SnsMessage c;
  c.type = SnsMessageType::kUnsubscribeConfirmation;
  c.message = "m";
  c.message_id = "id";
  c.subscribe_url = "https://x/";
  c.timestamp = "t";
  c.token = "tok";
  c.topic_arn = "arn:t";
  EXPECT_EQ(sns_string_to_sign(c),
            "Message\nm\nMessageId\nid\nSubscribeURL\nhttps://x/\nTimestamp\nt\nToken\ntok\n"
            "TopicArn\narn:t\nType\nUnsubscribeConfirmation\n");
}

TEST(SnsMessage, HostileOrIncompleteRefused) {
  EXPECT_FALSE(parse_sns_message("not json"));
  EXPECT_FALSE(parse_sns_message("[]"));
  EXPECT_FALSE(parse_sns_message(R"({"Type":"Notice"})"));
  EXPECT_FALSE(parse_sns_message(R"({"Type":"Notification","MessageId":1})"));
  auto missing = parse_sns_message(
      R"({"Type":"SubscriptionConfirmation","MessageId":"m","TopicArn":"t","Message":"x",)"
      R"("Timestamp":"t","SignatureVersion":"2","Signature":"AA==","SigningCertURL":"https://x"})");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("Token"), std::string::npos);
  auto big = parse_sns_message(std::string(2000, ' ') + "{}", 1000);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().find("larger than 1000"), std::string::npos);
}

TEST(SnsVerifier, GenuineMessagesOfEveryTypeAndVersion) {
  FixtureHost host;
  const SnsVerifier verifier = make_sns_verifier(host);
  for (const char* name : {"notification_v2.json", "notification_v1.json",
                           "notification_no_subject.json", "notification_chain.json",
                           "subscription_confirmation.json", "unsubscribe_confirmation.json"}) {
    auto result = verifier.verify(message(name), kSnsNow);
    EXPECT_TRUE(result) << name << ": " << (result ? "" : result.error().message);
  }
}

TEST(SnsVerifier, TheNotificationCarriesS3Records) {
  FixtureHost host;
  const SnsMessage n = message("notification_v2.json");
  ASSERT_TRUE(make_sns_verifier(host).verify(n, kSnsNow));
  auto batch = parse_s3_event_records(n.message);
  ASSERT_TRUE(batch) << batch.error();
  ASSERT_EQ(batch->events.size(), 1u);
  EXPECT_EQ(batch->events[0].key, "photos/2030/05/31/red flower.jpg");
  EXPECT_EQ(batch->events[0].size, 48213u);
}

TEST(SnsVerifier, ChainInThePemNeedsNoConfiguredIntermediate) {
  FixtureHost host;
  SnsVerifierOptions options = sns_test_options();
  options.intermediates_pem.clear();
  const SnsVerifier verifier = make_sns_verifier(host, options);
  EXPECT_TRUE(verifier.verify(message("notification_chain.json"), kSnsNow));
  std::string why;
  EXPECT_EQ(refusal(verifier, message("notification_v2.json"), &why),
            SnsRefusalCode::kCertUntrusted);
  EXPECT_NE(why.find("unable to get local issuer certificate"), std::string::npos) << why;
}

TEST(SnsVerifier, ExpiredCertificateRefused) {
  FixtureHost host;
  std::string why;
  EXPECT_EQ(refusal(make_sns_verifier(host), message("notification_expired.json"), &why),
            SnsRefusalCode::kCertExpired);
  EXPECT_EQ(why, "the signing certificate expired on 2021-01-01T00:00:00.000Z");
}

TEST(SnsVerifier, NotYetValidCertificateRefused) {
  FixtureHost host;
  std::string why;
  EXPECT_EQ(refusal(make_sns_verifier(host), message("notification_future.json"), &why),
            SnsRefusalCode::kCertNotYetValid);
  EXPECT_EQ(why, "the signing certificate is not valid before 2040-01-01T00:00:00.000Z");
}

TEST(SnsVerifier, ForgedCertificateRefused) {
  FixtureHost host;
  std::string why;
  EXPECT_EQ(refusal(make_sns_verifier(host), message("notification_forged.json"), &why),
            SnsRefusalCode::kCertUntrusted);
  EXPECT_NE(why.find("not trusted"), std::string::npos) << why;
}

TEST(SnsVerifier, CertificateForAnotherNameRefused) {
  FixtureHost host;
  EXPECT_EQ(refusal(make_sns_verifier(host), message("notification_wrong_name.json")),
            SnsRefusalCode::kCertWrongName);
}

TEST(SnsVerifier, WrongHostAndPlainHttpRefusedWithoutFetching) {
  FixtureHost host;
  const SnsVerifier verifier = make_sns_verifier(host);
  std::string why;
  EXPECT_EQ(refusal(verifier, message("notification_wrong_host.json"), &why),
            SnsRefusalCode::kCertHostNotAllowed);
  EXPECT_NE(why.find("sns.us-east-1.amazonaws.com.evil.example"), std::string::npos);
  EXPECT_EQ(refusal(verifier, message("notification_http.json")), SnsRefusalCode::kCertUrlNotHttps);
  SnsMessage m = message("notification_v2.json");
  for (const char* url :
       {"https://user@sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com:8443/x.pem", "https://sns.amazonaws.com/x.pem",
        "https://sns.a.b.amazonaws.com/x.pem", "https://sns.us_east.amazonaws.com/x.pem",
        "https://192.0.2.1/x.pem", "https://evil.example/sns.us-east-1.amazonaws.com/x.pem"}) {
    m.signing_cert_url = url;
    EXPECT_EQ(refusal(verifier, m), SnsRefusalCode::kCertHostNotAllowed) << url;
  }
  m.signing_cert_url = "not a url";
  EXPECT_EQ(refusal(verifier, m), SnsRefusalCode::kCertUrlNotHttps);
  EXPECT_EQ(*host.fetches, 0);
  EXPECT_TRUE(
      verifier.host_allowed("https://SNS.eu-west-3.amazonaws.com/?Action=ConfirmSubscription"));
  EXPECT_TRUE(verifier.host_allowed("https://sns.cn-north-1.amazonaws.com.cn:443/x.pem"));
  EXPECT_FALSE(verifier.host_allowed("https://sns.eu-west-3.amazonaws.com.evil.example/"));
}

TEST(SnsVerifier, SignatureVersionRules) {
  FixtureHost host;
  const SnsVerifier verifier = make_sns_verifier(host);
  // SHA-1 bytes labelled version 2: the digest follows the label, so it does not verify.
  EXPECT_EQ(refusal(verifier, message("notification_v1_labelled_v2.json")),
            SnsRefusalCode::kBadSignature);
  SnsMessage m = message("notification_v2.json");
  for (const char* version : {"3", "", "02", "SHA256"}) {
    m.signature_version = version;
    EXPECT_EQ(refusal(verifier, m), SnsRefusalCode::kUnsupportedSignatureVersion) << version;
  }
  SnsVerifierOptions only_v2 = sns_test_options();
  only_v2.require_signature_version_2 = true;
  const SnsVerifier strict = make_sns_verifier(host, only_v2);
  EXPECT_EQ(refusal(strict, message("notification_v1.json")),
            SnsRefusalCode::kUnsupportedSignatureVersion);
  EXPECT_TRUE(strict.verify(message("notification_v2.json"), kSnsNow));
}

TEST(SnsVerifier, AnyChangeToASignedFieldBreaksTheSignature) {
  FixtureHost host;
  const SnsVerifier verifier = make_sns_verifier(host);
  const SnsMessage good = message("notification_v2.json");
  for (int field = 0; field < 6; ++field) {
    SnsMessage m = good;
    std::string* target[] = {&m.message,   &m.message_id, &m.timestamp,
                             &m.topic_arn, &*m.subject,   &m.message};
    if (field == 5) {
      m.subject.reset();  // dropping the subject changes the string to sign
    } else {
      target[field]->push_back('x');
    }
    EXPECT_EQ(refusal(verifier, m), SnsRefusalCode::kBadSignature) << field;
  }
  SnsMessage confirmation = message("subscription_confirmation.json");
  confirmation.subscribe_url =
      "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=other";
  EXPECT_EQ(refusal(verifier, confirmation), SnsRefusalCode::kBadSignature);
  SnsMessage m = good;
  m.signature = "not base64!";
  EXPECT_EQ(refusal(verifier, m), SnsRefusalCode::kMalformedSignature);
}

TEST(SnsVerifier, TopicAllowList) {
  FixtureHost host;
  SnsVerifierOptions options = sns_test_options();
  options.allowed_topic_arns = {"arn:aws:sns:us-east-1:123456789012:other"};
  EXPECT_EQ(refusal(make_sns_verifier(host, options), message("notification_v2.json")),
            SnsRefusalCode::kTopicNotAllowed);
  options.allowed_topic_arns.push_back("arn:aws:sns:us-east-1:123456789012:upgate-uploads");
  EXPECT_TRUE(make_sns_verifier(host, options).verify(message("notification_v2.json"), kSnsNow));
}

TEST(SnsVerifier, FetchFailuresAndGarbageCertificates) {
  FixtureHost host;
  host.files[kSnsCertBase + "garbage.pem"] = "make_fixtures.py";
  const SnsVerifier verifier = make_sns_verifier(host);
  SnsMessage m = message("notification_v2.json");
  m.signing_cert_url = kSnsCertBase + "missing.pem";
  std::string why;
  EXPECT_EQ(refusal(verifier, m, &why), SnsRefusalCode::kCertFetchFailed);
  EXPECT_NE(why.find("HTTP 404"), std::string::npos);
  m.signing_cert_url = kSnsCertBase + "garbage.pem";
  EXPECT_EQ(refusal(verifier, m), SnsRefusalCode::kCertUnreadable);
  SnsVerifierOptions tiny = sns_test_options();
  tiny.max_certificate_bytes = 100;
  EXPECT_EQ(refusal(make_sns_verifier(host, tiny), message("notification_v2.json")),
            SnsRefusalCode::kCertUnreadable);
}

TEST(SnsVerifier, CertificatesAreCachedButValidityIsCheckedEachTime) {
  FixtureHost host;
  const SnsVerifier verifier = make_sns_verifier(host);
  const SnsMessage m = message("notification_v2.json");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(verifier.verify(m, kSnsNow));
  EXPECT_EQ(*host.fetches, 1);
  auto later = verifier.verify(m, std::chrono::sys_days{std::chrono::June / 1 / 2036} + 0s);
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, SnsRefusalCode::kCertExpired);
  EXPECT_EQ(*host.fetches, 1);
}

TEST(SnsVerifier, ConcurrentVerification) {
  FixtureHost host;
  const SnsVerifier verifier = make_sns_verifier(host);
  const SnsMessage good = message("notification_v2.json");
  const SnsMessage expired = message("notification_expired.json");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!verifier.verify(good, kSnsNow)) ++failures;
        if (verifier.verify(expired, kSnsNow)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
}

TEST(SnsVerifier, BadConfigurationRefused) {
  FixtureHost host;
  SnsVerifierOptions options = sns_test_options();
  options.cert_host_patterns = {"sns.*.amazonaws.com/"};
  EXPECT_FALSE(SnsVerifier::create(options, host.fetcher()));
  options = sns_test_options();
  options.trusted_ca_pem = "nothing";
  EXPECT_FALSE(SnsVerifier::create(options, host.fetcher()));
  options = sns_test_options();
  options.trusted_ca_pem.clear();
  options.trusted_ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(SnsVerifier::create(options, host.fetcher()));
  EXPECT_FALSE(SnsVerifier::create(sns_test_options(), nullptr));
}

TEST(SnsVerifier, SystemTrustStoreDoesNotTrustTheTestRoot) {
  FixtureHost host;
  SnsVerifierOptions options = sns_test_options();
  options.trusted_ca_pem.clear();  // the system's store
  EXPECT_EQ(refusal(make_sns_verifier(host, options), message("notification_v2.json")),
            SnsRefusalCode::kCertUntrusted);
}

}  // namespace
}  // namespace upgate::events
