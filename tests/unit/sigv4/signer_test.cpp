// Header and query signing against every case of the three SigV4 test-vector
// folders (one test per case and mode), plus the signer's input checks.
#include "upgate/sigv4/signer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "request_file.hpp"
#include "signing_vectors.hpp"
#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/crypto.hpp"

namespace upgate::sigv4 {
namespace {

using testing::load_signing_vectors;
using testing::parse_request_file;
using testing::read_file;
using testing::SigningMode;
using testing::SigningVector;

std::string must_read(const std::string& path) {
  auto text = read_file(path);
  EXPECT_TRUE(text) << "cannot read " << path;
  return text.value_or("");
}

std::vector<std::pair<std::string, std::string>> sorted_query_of(std::string_view target) {
  const auto q = target.find('?');
  std::vector<std::pair<std::string, std::string>> out;
  if (q == std::string_view::npos) return out;
  const auto params = parse_query(target.substr(q + 1));
  EXPECT_TRUE(params) << target;
  if (params) {
    for (const auto& p : *params) out.emplace_back(p.name, p.value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class SigningVectorTest : public ::testing::TestWithParam<SigningVector> {};

TEST_P(SigningVectorTest, CanonicalRequestStringToSignAndSignature) {
  const SigningVector& v = GetParam();
  const auto request = parse_request_file(must_read(v.request_path));
  ASSERT_TRUE(request) << v.request_path;
  const std::string payload_hash =
      v.payload_hash ? *v.payload_hash
                     : (v.hash_body ? hex(sha256(request->body)) : std::string(kEmptySha256));
  const std::string expected_creq = must_read(v.canonical_request_path);
  const std::string expected_sts = must_read(v.string_to_sign_path);
  std::string expected_signature = must_read(v.signature_path);
  if (v.suite == "aws4_testsuite") {  // the .authz file holds the whole header value
    expected_signature = expected_signature.substr(expected_signature.rfind('=') + 1);
  }
  const auto signed_request = parse_request_file(must_read(v.signed_request_path));
  ASSERT_TRUE(signed_request) << v.signed_request_path;

  SigningKeyCache cache;
  // A token the case adds after signing is left out of what is signed.
  const bool sign_token = !v.omit_session_token;
  const Credentials creds = v.credentials(v.mode == SigningMode::kHeader || sign_token);
  SigningParams params{&creds, v.region, v.service, v.time, v.uri, &cache};

  if (v.mode == SigningMode::kHeader) {
    HeaderSignOptions options;
    options.add_content_sha256_header = v.add_content_sha256;
    options.sign_session_token = sign_token;
    const auto signed_headers = sign_headers(request->view(), payload_hash, params, options);
    ASSERT_TRUE(signed_headers) << signed_headers.error().message;
    EXPECT_EQ(signed_headers->trace.canonical_request, expected_creq);
    EXPECT_EQ(signed_headers->trace.string_to_sign, expected_sts);
    EXPECT_EQ(signed_headers->trace.signature, expected_signature);
    // Every header the signer adds is in the published signed request, same value.
    // (The 2015 suite's get-vanilla-with-session-token .sreq carries another
    // case's signature; its .authz file is the reference for Authorization.)
    const std::string authz = must_read(v.signature_path);
    for (const auto& added : signed_headers->headers_to_add) {
      if (v.suite == "aws4_testsuite" && added.name == "Authorization") {
        EXPECT_EQ(added.value, authz);
        continue;
      }
      const std::string* expected = signed_request->header(added.name);
      ASSERT_NE(expected, nullptr) << added.name;
      EXPECT_EQ(canonical_header_value(*expected), added.value) << added.name;
    }
  } else {
    const auto signed_query = sign_query(request->view(), payload_hash, params, v.expires);
    ASSERT_TRUE(signed_query) << signed_query.error().message;
    EXPECT_EQ(signed_query->trace.canonical_request, expected_creq);
    EXPECT_EQ(signed_query->trace.string_to_sign, expected_sts);
    EXPECT_EQ(signed_query->trace.signature, expected_signature);
    // The published URL lists the same parameters (its signer orders them differently).
    std::string target = request->target;
    target.push_back(target.find('?') == std::string::npos ? '?' : '&');
    target.append(signed_query->query);
    if (!sign_token) {
      target.append("&X-Amz-Security-Token=").append(uri_encode(v.session_token));
    }
    EXPECT_EQ(sorted_query_of(target), sorted_query_of(signed_request->target));
    EXPECT_TRUE(signed_query->query.ends_with("&X-Amz-Signature=" + expected_signature));
  }
}

std::vector<SigningVector> all_vectors() {
  static const std::vector<SigningVector> vectors = load_signing_vectors();
  return vectors;
}

INSTANTIATE_TEST_SUITE_P(AllCases, SigningVectorTest, ::testing::ValuesIn(all_vectors()),
                         [](const auto& info) { return info.param.test_name(); });

// The suites' sizes, so a vector folder that silently fails to load fails here.
TEST(SigningVectors, EveryCaseOfTheThreeFoldersIsLoaded) {
  const auto vectors = all_vectors();
  auto count = [&](std::string_view suite, SigningMode mode) {
    return std::count_if(vectors.begin(), vectors.end(), [&](const SigningVector& v) {
      return v.suite == suite && v.mode == mode;
    });
  };
  EXPECT_EQ(count("aws-signing-test-suite", SigningMode::kHeader), 38);
  EXPECT_EQ(count("aws-signing-test-suite", SigningMode::kQuery), 38);
  EXPECT_EQ(count("aws4_testsuite", SigningMode::kHeader), 34);
  EXPECT_EQ(count("aws4_testsuite", SigningMode::kQuery), 0);
  EXPECT_EQ(count("s3", SigningMode::kHeader), 4);  // cases 1-4
  EXPECT_EQ(count("s3", SigningMode::kQuery), 5);   // cases 5, 8-11
}

const Credentials kSuiteCreds{"AKIDEXAMPLE", SecretKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                              ""};

SigningParams params_for(const Credentials* creds, std::string_view region = "us-east-1") {
  return {creds, region, "s3", *parse_amz_date("20150830T123600Z"), {}, nullptr};
}

TEST(SignHeaders, RefusesMissingCredentialsAndBadScope) {
  const HeaderView host[] = {{"Host", "example.com"}};
  const RequestView request{"GET", "/", host};
  const Credentials no_secret{"AKID", SecretKey(), ""};
  EXPECT_FALSE(sign_headers(request, kEmptySha256, params_for(nullptr)));
  EXPECT_FALSE(sign_headers(request, kEmptySha256, params_for(&no_secret)));
  EXPECT_FALSE(sign_headers(request, kEmptySha256, params_for(&kSuiteCreds, "")));
  EXPECT_FALSE(sign_headers(request, kEmptySha256, params_for(&kSuiteCreds, "us/east")));
  const Credentials slash_id{"AK/ID", SecretKey("s"), ""};
  EXPECT_FALSE(sign_headers(request, kEmptySha256, params_for(&slash_id)));
}

TEST(CredentialChecks, AccessKeyIdsAndScopeParts) {
  EXPECT_TRUE(is_valid_access_key_id("AKIAIOSFODNN7EXAMPLE"));
  EXPECT_TRUE(is_valid_access_key_id("minio-user_1.x+y"));
  EXPECT_TRUE(is_valid_access_key_id(std::string(128, 'A')));
  for (std::string_view bad : {"", "AK/ID", "AK,ID", "AK=ID", "AK ID", "AK\x7fID", "AK\xc3\xa9"}) {
    EXPECT_FALSE(is_valid_access_key_id(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_access_key_id(std::string(129, 'A')));
  EXPECT_TRUE(is_valid_scope_part("us-east-1"));
  EXPECT_TRUE(is_valid_scope_part("s3"));
  EXPECT_TRUE(is_valid_scope_part("my_region.1"));
  for (std::string_view bad : {"", "us/east", "us east", "us%2Feast", "r\xc3\xa9gion"}) {
    EXPECT_FALSE(is_valid_scope_part(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_scope_part(std::string(129, 'a')));
}

TEST(SignHeaders, ErrorsNeverHoldTheSecret) {
  const HeaderView host[] = {{"Host", "example.com"}};
  const RequestView request{"GET", "/%zz", host};
  const auto result = sign_headers(request, kEmptySha256, params_for(&kSuiteCreds));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message.find(kSuiteCreds.secret_access_key.reveal()), std::string::npos);
}

TEST(SignHeaders, ReplacesHeadersTheSignerOwns) {
  const HeaderView headers[] = {
      {"Host", "example.com"}, {"X-Amz-Date", "19990101T000000Z"}, {"Authorization", "stale"}};
  const auto result = sign_headers({"GET", "/", headers}, kEmptySha256, params_for(&kSuiteCreds));
  ASSERT_TRUE(result);
  EXPECT_NE(result->trace.canonical_request.find("x-amz-date:20150830T123600Z\n"),
            std::string::npos);
  EXPECT_EQ(result->trace.canonical_request.find("19990101"), std::string::npos);
  EXPECT_EQ(result->trace.canonical_request.find("authorization"), std::string::npos);
  ASSERT_EQ(result->headers_to_add.size(), 3u);
  EXPECT_EQ(result->headers_to_add[0].name, "X-Amz-Date");
  EXPECT_EQ(result->headers_to_add[1].name, "x-amz-content-sha256");
  EXPECT_EQ(result->headers_to_add[2].name, "Authorization");
}

TEST(SignQuery, RefusesExpiryOutOfRange) {
  const HeaderView host[] = {{"Host", "example.com"}};
  const RequestView request{"GET", "/", host};
  using std::chrono::seconds;
  EXPECT_FALSE(sign_query(request, kUnsignedPayload, params_for(&kSuiteCreds), seconds(0)));
  EXPECT_FALSE(sign_query(request, kUnsignedPayload, params_for(&kSuiteCreds), seconds(-1)));
  EXPECT_FALSE(sign_query(request, kUnsignedPayload, params_for(&kSuiteCreds), seconds(604801)));
  EXPECT_TRUE(sign_query(request, kUnsignedPayload, params_for(&kSuiteCreds), seconds(1)));
  EXPECT_TRUE(sign_query(request, kUnsignedPayload, params_for(&kSuiteCreds), seconds(604800)));
}

TEST(SignQuery, RefusesAnAlreadySignedRequest) {
  const HeaderView host[] = {{"Host", "example.com"}};
  const RequestView request{"GET", "/?X-Amz-Signature=abc", host};
  EXPECT_FALSE(
      sign_query(request, kUnsignedPayload, params_for(&kSuiteCreds), std::chrono::seconds(60)));
}

TEST(StringToSign, HasTheFourLines) {
  EXPECT_EQ(string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", ""),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
                std::string(kEmptySha256));
}

}  // namespace
}  // namespace upgate::sigv4
