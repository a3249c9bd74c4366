#include "upgate/events/webhook_signature.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <fstream>
#include <sstream>

#include "support/test_data.hpp"

namespace upgate::events {
namespace {

using std::chrono::system_clock;

system_clock::time_point at(std::int64_t seconds) {
  return system_clock::time_point(std::chrono::seconds(seconds));
}

std::vector<WebhookSecret> secrets_of(std::string_view list) {
  auto parsed = parse_secret_list(list, "TEST_SECRET");
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error());
  return parsed ? std::move(*parsed) : std::vector<WebhookSecret>{};
}

// The vector of the spec's reference JavaScript library
// (standard-webhooks/libraries/javascript/src/webhook.test.ts, "sign function works").
TEST(StandardWebhooks, SpecRepositoryVector) {
  const auto secrets = secrets_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const auto headers =
      sign_webhook(secrets, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}");
  EXPECT_EQ(headers.id, "msg_p5jXN8AQM9LWM0D4loKWxJek");
  EXPECT_EQ(headers.timestamp, "1614265330");
  EXPECT_EQ(headers.signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_TRUE(verify_webhook(secrets, headers, "{\"test\": 2432232314}", at(1614265330)));
}

// Vectors computed independently with Python's hmac (tests/data/events/standard_webhooks).
TEST(StandardWebhooks, PythonVectors) {
  const auto doc =
      boost::json::parse(testing::read_test_data("events/standard_webhooks/vectors.json"));
  const auto& vectors = doc.at("vectors").as_array();
  ASSERT_GE(vectors.size(), 5u);
  for (const auto& v : vectors) {
    SCOPED_TRACE(std::string(v.at("name").as_string()));
    std::string list;
    for (const auto& s : v.at("secrets").as_array()) {
      list += std::string(s.as_string()) + " ";
    }
    const auto secrets = secrets_of(list);
    const std::string id(v.at("id").as_string());
    const std::int64_t timestamp = v.at("timestamp").as_int64();
    const std::string body(v.at("body").as_string());
    const auto headers = sign_webhook(secrets, id, timestamp, body);
    EXPECT_EQ(headers.signature, v.at("signature").as_string());
    EXPECT_TRUE(verify_webhook(secrets, headers, body, at(timestamp)));
  }
}

TEST(StandardWebhooks, RotationOneSignaturePerSecretAndEitherVerifies) {
  const std::string old_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string new_secret = "whsec_b3qFkJumsbzH0t3o8/4JFB8qNUBLVmFsd4KNmKOuucQ=";
  const auto both = secrets_of(new_secret + "  \t" + old_secret);
  ASSERT_EQ(both.size(), 2u);
  const auto headers = sign_webhook(both, "evt_1", 1700000000, "{}");
  EXPECT_EQ(std::count(headers.signature.begin(), headers.signature.end(), ' '), 1);
  EXPECT_TRUE(verify_webhook(secrets_of(old_secret), headers, "{}", at(1700000000)));
  EXPECT_TRUE(verify_webhook(secrets_of(new_secret), headers, "{}", at(1700000000)));
  const auto stranger = secrets_of("whsec_lJ+qtcDL1uHs9wINGCMuOURPWmVwe4aR");
  EXPECT_EQ(verify_webhook(stranger, headers, "{}", at(1700000000)).error(),
            WebhookVerifyError::kNoMatchingSignature);
}

TEST(StandardWebhooks, SecretsArePrefixedBase64Of24To64Bytes) {
  EXPECT_TRUE(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "X"));
  // Padding may be left out.
  EXPECT_TRUE(WebhookSecret::parse("whsec_b3qFkJumsbzH0t3o8/4JFB8qNUBLVmFsd4KNmKOuucQ", "X"));
  for (const char* bad : {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_c2hvcnQ=",
                          "whsec_not base64!", "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}) {
    auto secret = WebhookSecret::parse(bad, "UPLOAD_HOOK_SECRET");
    ASSERT_FALSE(secret) << bad;
    EXPECT_NE(secret.error().find("UPLOAD_HOOK_SECRET"), std::string::npos);
  }
  const std::string too_long = "whsec_" + std::string(88, 'A');  // 66 bytes
  EXPECT_FALSE(WebhookSecret::parse(too_long, "X"));
}

TEST(StandardWebhooks, ErrorsNeverQuoteTheSecret) {
  const std::string almost = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa";  // 21 bytes: too short
  auto list = parse_secret_list("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw " + almost, "HOOK");
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().find("secret 2 of HOOK"), std::string::npos) << list.error();
  EXPECT_EQ(list.error().find("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa"), std::string::npos);
  EXPECT_FALSE(parse_secret_list("   ", "HOOK"));
  EXPECT_FALSE(parse_secret_list("", "HOOK"));
}

TEST(StandardWebhooks, VerificationRefusals) {
  const auto secrets = secrets_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const auto good = sign_webhook(secrets, "evt_x", 1700000000, "{\"a\":1}");
  const auto now = at(1700000000);

  auto headers = good;
  headers.id.clear();
  EXPECT_EQ(verify_webhook(secrets, headers, "{\"a\":1}", now).error(),
            WebhookVerifyError::kMissingHeader);
  headers = good;
  headers.timestamp = "17e8";
  EXPECT_EQ(verify_webhook(secrets, headers, "{\"a\":1}", now).error(),
            WebhookVerifyError::kBadTimestamp);
  EXPECT_EQ(verify_webhook(secrets, good, "{\"a\":1}", now + std::chrono::seconds(301)).error(),
            WebhookVerifyError::kTimestampTooOld);
  EXPECT_EQ(verify_webhook(secrets, good, "{\"a\":1}", now - std::chrono::seconds(301)).error(),
            WebhookVerifyError::kTimestampTooNew);
  EXPECT_TRUE(verify_webhook(secrets, good, "{\"a\":1}", now + std::chrono::seconds(300)));
  // One changed byte of the body, the id or the timestamp breaks it.
  EXPECT_FALSE(verify_webhook(secrets, good, "{\"a\":2}", now));
  headers = good;
  headers.id = "evt_y";
  EXPECT_FALSE(verify_webhook(secrets, headers, "{\"a\":1}", now));
  headers = good;
  headers.timestamp = "1700000001";
  EXPECT_FALSE(verify_webhook(secrets, headers, "{\"a\":1}", now));
  // Other versions are skipped; a truncated signature never matches.
  headers = good;
  headers.signature = "v1a," + good.signature.substr(3) + " v2," + good.signature.substr(3);
  EXPECT_EQ(verify_webhook(secrets, headers, "{\"a\":1}", now).error(),
            WebhookVerifyError::kNoMatchingSignature);
  headers.signature = good.signature.substr(0, 10);
  EXPECT_FALSE(verify_webhook(secrets, headers, "{\"a\":1}", now));
  headers.signature = "v1,";
  EXPECT_FALSE(verify_webhook(secrets, headers, "{\"a\":1}", now));
  // The valid one among decoys (the spec library's "multi sig payload is valid").
  headers.signature = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x " + good.signature;
  EXPECT_TRUE(verify_webhook(secrets, headers, "{\"a\":1}", now));
}

}  // namespace
}  // namespace upgate::events
