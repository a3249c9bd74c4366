// verify(): the S3 vectors' signed requests, presign→verify round trips for
// random keys, every tampered signed element refused with S3's code, and
// hostile Authorization headers and presigned queries.
#include "upgate/sigv4/verify.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "request_file.hpp"
#include "signing_vectors.hpp"
#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/presign.hpp"
#include "upgate/sigv4/signer.hpp"

namespace upgate::sigv4 {
namespace {

using namespace std::chrono_literals;
using testing::parse_request_file;
using testing::read_file;
using testing::SigningMode;
using testing::SigningVector;

const Credentials kCreds{"AKIAIOSFODNN7EXAMPLE",
                         SecretKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), ""};
const Credentials kOtherCreds{"AKIAOTHEREXAMPLE", SecretKey("another secret"), ""};
const Credentials kTempCreds{"ASIATEMPEXAMPLE", SecretKey("temp secret"), "session/token+=="};
const Timestamp kTime = *parse_amz_date("20130524T000000Z");

CredentialsLookup lookup_of(std::vector<Credentials> all) {
  return [all = std::move(all)](std::string_view id) -> std::optional<Credentials> {
    for (const auto& c : all) {
      if (c.access_key_id == id) return c;
    }
    return std::nullopt;
  };
}

const CredentialsLookup kLookup = lookup_of({kCreds, kOtherCreds, kTempCreds});

VerifyPolicy policy_at(std::chrono::system_clock::time_point now,
                       std::string_view region = "us-east-1") {
  VerifyPolicy p;
  p.now = now;
  p.region = region;
  return p;
}

// A request as an HTTP server would see it, owning its strings.
struct WireRequest {
  std::string method;
  std::string target;
  std::vector<Header> headers;

  RequestView view() {
    views.clear();
    for (const auto& h : headers) views.push_back({h.name, h.value});
    return {method, target, views};
  }
  std::vector<HeaderView> views;
};

// What a client does with a presigned URL: request its path and query, with
// Host from the URL and the headers it was told to send.
WireRequest request_for(const PresignedUrl& url) {
  WireRequest r;
  r.method = url.method;
  const auto host_start = url.url.find("://") + 3;
  const auto path_start = url.url.find('/', host_start);
  r.target = url.url.substr(path_start);
  r.headers.push_back({"Host", url.url.substr(host_start, path_start - host_start)});
  for (const auto& h : url.headers) r.headers.push_back(h);
  return r;
}

// --- The S3 folder's signed requests verify -----------------------------------

std::vector<SigningVector> s3_vectors() {
  std::vector<SigningVector> out;
  for (auto& v : testing::load_signing_vectors()) {
    if (v.suite == "s3") out.push_back(std::move(v));
  }
  return out;
}

class VerifyVectorTest : public ::testing::TestWithParam<SigningVector> {};

TEST_P(VerifyVectorTest, AcceptsThePublishedSignedRequest) {
  const SigningVector& v = GetParam();
  const auto signed_request = parse_request_file(read_file(v.signed_request_path).value());
  ASSERT_TRUE(signed_request);
  SigningKeyCache cache;
  const auto result =
      verify(signed_request->view(), policy_at(v.time), lookup_of({v.credentials(true)}), &cache);
  ASSERT_TRUE(result) << s3_code(result.error().code) << ": " << result.error().message << "\n"
                      << result.error().canonical_request;
  EXPECT_EQ(result->auth.location,
            v.mode == SigningMode::kHeader ? AuthLocation::kHeader : AuthLocation::kQuery);
  EXPECT_EQ(result->auth.access_key_id, v.access_key_id);
  EXPECT_EQ(result->auth.signature, read_file(v.signature_path).value());
  ASSERT_NE(result->signing_key, nullptr);
  // The key handed back is the one that made the signature (aws-chunked chains from it).
  EXPECT_EQ(result->signing_key->sign(read_file(v.string_to_sign_path).value()),
            result->auth.signature);
}

INSTANTIATE_TEST_SUITE_P(S3Vectors, VerifyVectorTest, ::testing::ValuesIn(s3_vectors()),
                         [](const auto& info) { return info.param.test_name(); });

// --- Round trips and tampering ------------------------------------------------

PresignedUrl presign_put(std::string_view key, std::span<const HeaderView> headers = {},
                         const Credentials& creds = kCreds,
                         std::span<const QueryParamView> query = {}) {
  PresignRequest r;
  r.method = "PUT";
  r.bucket = "uploads";
  r.key = key;
  r.expires = 900s;
  r.time = kTime;
  r.headers = headers;
  r.query = query;
  auto url =
      presign(r, S3Endpoint::parse("http://127.0.0.1:9000", true).value(), creds, "us-east-1");
  EXPECT_TRUE(url) << url.error().message;
  return std::move(url).value();
}

AuthErrorCode code_of(WireRequest& r, Timestamp now = kTime + 60s) {
  const auto result = verify(r.view(), policy_at(now), kLookup);
  EXPECT_FALSE(result) << r.target;
  return result ? AuthErrorCode::kAccessDenied : result.error().code;
}

bool accepted(WireRequest& r, std::chrono::system_clock::time_point now = kTime + 60s) {
  const auto result = verify(r.view(), policy_at(now), kLookup);
  if (!result) {
    ADD_FAILURE() << s3_code(result.error().code) << ": " << result.error().message << "\n"
                  << result.error().canonical_request << "\ntarget: " << r.target;
  }
  return result.has_value();
}

void replace_param(std::string& target, std::string_view name, std::string_view value) {
  const auto start = target.find(std::string(name) + "=");
  ASSERT_NE(start, std::string::npos) << name;
  const auto value_start = start + name.size() + 1;
  auto end = target.find('&', value_start);
  if (end == std::string::npos) end = target.size();
  target.replace(value_start, end - value_start, value);
}

TEST(VerifyRoundTrip, RandomKeysPresignThenVerify) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a", "Z", "0", " ", "+",    "=", "&",   "~",  "*", "%",
                                           "/", "?", "#", "ü", "日本", "😀", "%20", "..", "//"};
  int checked = 0;
  for (int i = 0; i < 400; ++i) {
    std::string key;
    const std::size_t target_len = i % 40 == 0 ? 1024 : rng() % 60 + 1;
    while (key.size() < target_len) key += pieces[rng() % pieces.size()];
    if (key.size() > 1024) key.resize(1024);
    // Cutting a multi-byte character in half still makes a key of bytes; S3
    // keys are UTF-8, but the signature rules are byte rules.
    const std::string length = std::to_string(rng() % 100000);
    const HeaderView headers[] = {{"Content-Type", "image/png"}, {"Content-Length", length}};
    WireRequest r = request_for(presign_put(key, headers, i % 3 ? kCreds : kTempCreds));
    ASSERT_TRUE(accepted(r)) << "key: " << key;
    ++checked;
  }
  EXPECT_EQ(checked, 400);
}

TEST(VerifyRoundTrip, HeaderSignedRequestsVerify) {
  const HeaderView headers[] = {
      {"Host", "uploads.s3.example.com"}, {"Content-Type", "text/plain"}, {"x-amz-meta-a", "b"}};
  SigningParams params{&kTempCreds, "us-east-1", "s3", kTime, {}, nullptr};
  const auto signed_headers =
      sign_headers({"PUT", "/a%20b/c.txt?tagging", headers}, kUnsignedPayload, params);
  ASSERT_TRUE(signed_headers);
  WireRequest r{"PUT", "/a%20b/c.txt?tagging", {}, {}};
  for (const auto& h : headers) r.headers.push_back({std::string(h.name), std::string(h.value)});
  for (const auto& h : signed_headers->headers_to_add) r.headers.push_back(h);
  EXPECT_TRUE(accepted(r, kTime + 14min));
  EXPECT_TRUE(accepted(r, kTime - 14min));
  EXPECT_EQ(code_of(r, kTime + 16min), AuthErrorCode::kRequestTimeTooSkewed);
  EXPECT_EQ(code_of(r, kTime - 16min), AuthErrorCode::kRequestTimeTooSkewed);
}

TEST(VerifyTampering, EverySignedElementIsCovered) {
  const HeaderView headers[] = {{"Content-Type", "image/png"}, {"Content-Length", "1024"}};
  const WireRequest good = request_for(presign_put("photos/cat.png", headers));
  {
    WireRequest r = good;
    ASSERT_TRUE(accepted(r));
  }
  auto expect = [&](AuthErrorCode code, auto&& change) {
    WireRequest r = good;
    change(r);
    EXPECT_EQ(code_of(r), code) << r.method << " " << r.target;
  };
  using C = AuthErrorCode;
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) { r.method = "POST"; });
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) { r.method = "GET"; });
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) { r.target.replace(1, 7, "upload2"); });
  expect(C::kSignatureDoesNotMatch,
         [](WireRequest& r) { r.target.replace(r.target.find("cat"), 3, "dog"); });
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) { r.headers[0].value = "127.0.0.1:9001"; });
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) { r.headers[1].value = "text/html"; });
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) { r.headers[2].value = "1025"; });
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) { r.headers.erase(r.headers.begin() + 2); });
  expect(C::kSignatureDoesNotMatch,
         [](WireRequest& r) { replace_param(r.target, "X-Amz-Expires", "901"); });
  expect(C::kSignatureDoesNotMatch,
         [](WireRequest& r) { replace_param(r.target, "X-Amz-Expires", "3600"); });
  expect(C::kSignatureDoesNotMatch,
         [](WireRequest& r) { replace_param(r.target, "X-Amz-Date", "20130524T000001Z"); });
  // A date on another day no longer matches the credential's scope.
  expect(C::kAuthorizationQueryParametersError,
         [](WireRequest& r) { replace_param(r.target, "X-Amz-Date", "20130523T235959Z"); });
  expect(C::kAuthorizationQueryParametersError, [](WireRequest& r) {
    replace_param(r.target, "X-Amz-Credential",
                  "AKIAIOSFODNN7EXAMPLE%2F20130525%2Fus-east-1%2Fs3%2Faws4_request");
  });
  expect(C::kAuthorizationQueryParametersError, [](WireRequest& r) {
    replace_param(r.target, "X-Amz-Credential",
                  "AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request");
  });
  expect(C::kInvalidAccessKeyId, [](WireRequest& r) {
    replace_param(r.target, "X-Amz-Credential",
                  "AKIAUNKNOWN%2F20130524%2Fus-east-1%2Fs3%2Faws4_request");
  });
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) {
    replace_param(r.target, "X-Amz-Credential",
                  "AKIAOTHEREXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request");
  });
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) {
    replace_param(r.target, "X-Amz-SignedHeaders", "content-length%3Bhost");
  });
  for (std::size_t i = 0; i < 64; i += 7) {
    expect(C::kSignatureDoesNotMatch, [i](WireRequest& r) {
      const auto pos = r.target.find("X-Amz-Signature=") + 16 + i;
      r.target[pos] = r.target[pos] == 'a' ? 'b' : 'a';
    });
  }
  // Adding a parameter changes the canonical query.
  expect(C::kSignatureDoesNotMatch, [](WireRequest& r) { r.target += "&x-id=PutObject"; });
}

TEST(VerifyTampering, MismatchReportsWhatTheServerComputedButNoSecret) {
  WireRequest r = request_for(presign_put("k"));
  r.method = "DELETE";
  const auto result = verify(r.view(), policy_at(kTime), kLookup);
  ASSERT_FALSE(result);
  const AuthError& e = result.error();
  EXPECT_EQ(e.code, AuthErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(s3_code(e.code), "SignatureDoesNotMatch");
  EXPECT_EQ(http_status(e.code), 403);
  EXPECT_EQ(e.message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.");
  EXPECT_EQ(e.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_TRUE(e.canonical_request.starts_with("DELETE\n/uploads/k\nX-Amz-Algorithm="))
      << e.canonical_request;
  EXPECT_TRUE(e.canonical_request.ends_with("\nhost\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(e.canonical_request.find("X-Amz-Signature"), std::string::npos);
  EXPECT_EQ(e.string_to_sign,
            string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                           e.canonical_request));
  EXPECT_EQ(e.signature_provided.size(), 64u);
  for (const std::string* s : {&e.message, &e.canonical_request, &e.string_to_sign}) {
    EXPECT_EQ(s->find(kCreds.secret_access_key.reveal()), std::string::npos);
  }
}

// --- Expiry and clock ----------------------------------------------------------

TEST(VerifyExpiry, ExpiredAndNotYetValidPresignedUrls) {
  WireRequest r = request_for(presign_put("k"));  // valid 900 s from kTime
  EXPECT_TRUE(accepted(r, kTime));
  EXPECT_TRUE(accepted(r, kTime + 900s));
  const auto expired = verify(r.view(), policy_at(kTime + 901s), kLookup);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, AuthErrorCode::kAccessDenied);
  EXPECT_EQ(expired.error().message, "Request has expired");
  // Signed by a clock running ahead: tolerated within the skew, refused beyond.
  EXPECT_TRUE(accepted(r, kTime - 15min));
  const auto early = verify(r.view(), policy_at(kTime - 16min), kLookup);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, AuthErrorCode::kAccessDenied);
  EXPECT_EQ(early.error().message, "Request is not yet valid");
}

// Valid until X-Amz-Date + X-Amz-Expires to the instant, not to the second: the clock is
// not floored, so a URL is refused the moment after its expiry.
TEST(VerifyExpiry, ExpiryIsExactBelowTheSecond) {
  WireRequest r = request_for(presign_put("k"));  // valid 900 s from kTime
  EXPECT_TRUE(accepted(r, kTime + 900s));
  for (const auto late : {1ms, 500ms, 999ms}) {
    const auto expired = verify(r.view(), policy_at(kTime + 900s + late), kLookup);
    ASSERT_FALSE(expired) << late.count() << " ms late";
    EXPECT_EQ(expired.error().code, AuthErrorCode::kAccessDenied);
    EXPECT_EQ(expired.error().message, "Request has expired");
  }
  // Ahead of the signer's clock by the skew exactly, and a moment more.
  EXPECT_TRUE(accepted(r, kTime - 15min));
  const auto early = verify(r.view(), policy_at(kTime - 15min - 1ms), kLookup);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().message, "Request is not yet valid");
}

TEST(VerifyExpiry, ExpiresParameterIsChecked) {
  auto with_expires = [](std::string_view value) {
    WireRequest r = request_for(presign_put("k"));
    replace_param(r.target, "X-Amz-Expires", value);
    return verify(r.view(), policy_at(kTime), kLookup);
  };
  const auto week = with_expires("604801");
  ASSERT_FALSE(week);
  EXPECT_EQ(week.error().code, AuthErrorCode::kAuthorizationQueryParametersError);
  EXPECT_EQ(week.error().message,
            "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  const auto huge = with_expires("99999999999999999999999999");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message, week.error().message);
  const auto negative = with_expires("-1");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, AuthErrorCode::kAuthorizationQueryParametersError);
  EXPECT_EQ(negative.error().message, "X-Amz-Expires must be non-negative");
  for (std::string_view nan : {"abc", "", "1e3", "+5", " 5", "0x10"}) {
    const auto r = with_expires(nan);
    ASSERT_FALSE(r) << nan;
    EXPECT_EQ(r.error().code, AuthErrorCode::kAuthorizationQueryParametersError) << nan;
    EXPECT_EQ(r.error().message, "X-Amz-Expires should be a number") << nan;
  }
  const auto zero = with_expires("0");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, AuthErrorCode::kAccessDenied);
}

// --- Scope, keys, tokens -----------------------------------------------------------

TEST(VerifyScope, WrongRegionNamesBothRegions) {
  WireRequest q = request_for(presign_put("k"));
  const auto query = verify(q.view(), policy_at(kTime, "eu-west-1"), kLookup);
  ASSERT_FALSE(query);
  EXPECT_EQ(query.error().code, AuthErrorCode::kAuthorizationQueryParametersError);
  EXPECT_EQ(query.error().message,
            "Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; "
            "expecting 'eu-west-1'");

  const HeaderView headers[] = {{"Host", "h"}};
  SigningParams params{&kCreds, "us-east-1", "s3", kTime, {}, nullptr};
  const auto signed_headers = sign_headers({"GET", "/b/k", headers}, kEmptySha256, params);
  WireRequest h{"GET", "/b/k", {{"Host", "h"}}, {}};
  for (const auto& a : signed_headers->headers_to_add) h.headers.push_back(a);
  const auto header = verify(h.view(), policy_at(kTime, "eu-west-1"), kLookup);
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().code, AuthErrorCode::kAuthorizationHeaderMalformed);
  EXPECT_EQ(header.error().message,
            "The authorization header is malformed; the region 'us-east-1' is wrong; expecting "
            "'eu-west-1'");
}

TEST(VerifyScope, WrongServiceIsRefused) {
  WireRequest r = request_for(presign_put("k"));
  replace_param(r.target, "X-Amz-Credential",
                "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fiam%2Faws4_request");
  EXPECT_EQ(code_of(r, kTime), AuthErrorCode::kAuthorizationQueryParametersError);
}

TEST(VerifyKeys, UnknownAccessKey) {
  WireRequest r = request_for(presign_put("k"));
  const auto result = verify(r.view(), policy_at(kTime), lookup_of({kOtherCreds}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kInvalidAccessKeyId);
  EXPECT_EQ(result.error().message,
            "The AWS Access Key Id you provided does not exist in our records.");
  EXPECT_FALSE(verify(r.view(), policy_at(kTime), CredentialsLookup{}));
}

TEST(VerifyKeys, SessionTokenMustMatchTheKeys) {
  WireRequest r = request_for(presign_put("k", {}, kTempCreds));
  EXPECT_TRUE(accepted(r, kTime));
  // The same URL checked against credentials whose token differs.
  const Credentials rotated{kTempCreds.access_key_id, kTempCreds.secret_access_key, "other"};
  const auto result = verify(r.view(), policy_at(kTime), lookup_of({rotated}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kInvalidToken);
  // A temporary key used without its token.
  WireRequest stripped = r;
  const auto start = stripped.target.find("&X-Amz-Security-Token=");
  stripped.target.erase(start, stripped.target.find('&', start + 1) - start);
  EXPECT_EQ(code_of(stripped, kTime), AuthErrorCode::kInvalidToken);
}

// --- Headers that must be signed -------------------------------------------------------

TEST(VerifySignedHeaders, UnsignedAmzHeadersAreRefused) {
  WireRequest r = request_for(presign_put("k"));
  r.headers.push_back({"X-Amz-Acl", "public-read"});
  const auto result = verify(r.view(), policy_at(kTime), kLookup);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kAccessDenied);
  EXPECT_EQ(result.error().message,
            "There were headers present in the request which were not signed");
  // Headers outside x-amz-* may travel unsigned; so may x-amz-content-sha256,
  // as on S3 (with query auth its value then becomes the payload hash).
  WireRequest ok = request_for(presign_put("k"));
  ok.headers.push_back({"User-Agent", "curl"});
  ok.headers.push_back({"X-Amzn-Trace-Id", "Root=1"});
  EXPECT_TRUE(accepted(ok, kTime));
  ok.headers.push_back({"x-amz-content-sha256", "UNSIGNED-PAYLOAD"});
  EXPECT_TRUE(accepted(ok, kTime));
}

TEST(VerifySignedHeaders, HostMustBeSigned) {
  const HeaderView headers[] = {{"x-amz-date", "20130524T000000Z"},
                                {"x-amz-content-sha256", std::string_view(kEmptySha256)}};
  SigningParams params{&kCreds, "us-east-1", "s3", kTime, {}, nullptr};
  const auto signed_headers = sign_headers({"GET", "/b/k", headers}, kEmptySha256, params);
  ASSERT_TRUE(signed_headers);
  WireRequest r{"GET", "/b/k", {}, {}};
  for (const auto& a : signed_headers->headers_to_add) r.headers.push_back(a);
  r.headers.push_back({"Host", "h"});  // sent, but not signed
  const auto result = verify(r.view(), policy_at(kTime), kLookup);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kAccessDenied);
}

TEST(VerifySignedHeaders, HeaderAuthNeedsContentSha256) {
  const HeaderView headers[] = {{"Host", "h"}};
  SigningParams params{&kCreds, "us-east-1", "s3", kTime, {}, nullptr};
  HeaderSignOptions options;
  options.add_content_sha256_header = false;
  const auto signed_headers = sign_headers({"GET", "/b/k", headers}, kEmptySha256, params, options);
  WireRequest r{"GET", "/b/k", {{"Host", "h"}}, {}};
  for (const auto& a : signed_headers->headers_to_add) r.headers.push_back(a);
  const auto result = verify(r.view(), policy_at(kTime), kLookup);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kInvalidRequest);
  EXPECT_EQ(result.error().message,
            "Missing required header for this request: x-amz-content-sha256");
}

// --- Checksums in presigned queries ----------------------------------------------------

TEST(VerifyQuery, ChecksumQueryParameterIsAnOrdinarySignedParameter) {
  // The JS SDK v3 adds x-amz-checksum-crc32 to presigned PUT URLs as a query
  // parameter: it is signed like any other and means nothing more here.
  const QueryParamView query[] = {{"x-amz-checksum-crc32", "AAAAAA=="},
                                  {"x-amz-sdk-checksum-algorithm", "CRC32"}};
  WireRequest r = request_for(presign_put("k", {}, kCreds, query));
  EXPECT_NE(r.target.find("x-amz-checksum-crc32=AAAAAA%3D%3D"), std::string::npos);
  EXPECT_TRUE(accepted(r, kTime));
  replace_param(r.target, "x-amz-checksum-crc32", "BBBBBB%3D%3D");
  EXPECT_EQ(code_of(r, kTime), AuthErrorCode::kSignatureDoesNotMatch);
}

// --- Hostile input ------------------------------------------------------------------------

TEST(VerifyHostile, BothMechanismsAtOnce) {
  WireRequest r = request_for(presign_put("k"));
  r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=x"});
  const auto result = verify(r.view(), policy_at(kTime), kLookup);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kInvalidArgument);
  EXPECT_TRUE(result.error().message.starts_with("Only one auth mechanism allowed"));
}

TEST(VerifyHostile, AnonymousRequestsAreNotVerified) {
  WireRequest r{"GET", "/b/k?x=1", {{"Host", "h"}}, {}};
  EXPECT_EQ(detect_auth(r.view()), AuthLocation::kNone);
  const auto parsed = parse_auth(r.view());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->location, AuthLocation::kNone);
  EXPECT_EQ(code_of(r, kTime), AuthErrorCode::kAccessDenied);
}

TEST(VerifyHostile, DetectsTheMechanism) {
  WireRequest h{"GET", "/", {{"authorization", "x"}}, {}};
  EXPECT_EQ(detect_auth(h.view()), AuthLocation::kHeader);
  WireRequest q{"GET", "/?a=1&X-Amz-Credential=x", {}, {}};
  EXPECT_EQ(detect_auth(q.view()), AuthLocation::kQuery);
  WireRequest lower{"GET", "/?x-amz-credential=x", {}, {}};
  EXPECT_EQ(detect_auth(lower.view()), AuthLocation::kNone);
}

const std::string kGoodSig(64, 'a');
const std::string kCred = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";

AuthError header_error(std::string authorization,
                       std::vector<Header> extra = {{"x-amz-date", "20130524T000000Z"},
                                                    {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}}) {
  WireRequest r{"GET", "/b/k", {{"Host", "h"}, {"Authorization", std::move(authorization)}}, {}};
  for (auto& h : extra) r.headers.push_back(std::move(h));
  const auto result = verify(r.view(), policy_at(kTime), kLookup);
  EXPECT_FALSE(result);
  return result ? AuthError{} : result.error();
}

TEST(VerifyHostile, MalformedAuthorizationHeaders) {
  using C = AuthErrorCode;
  const std::string sh = "SignedHeaders=host;x-amz-content-sha256;x-amz-date";
  const std::map<std::string, C> cases = {
      {"", C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256", C::kAuthorizationHeaderMalformed},
      {"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", C::kInvalidRequest},
      {"AWS4-ECDSA-P256-SHA256 Credential=" + kCred + ", " + sh + ", Signature=" + kGoodSig,
       C::kInvalidRequest},
      {"Bearer abc", C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", " + sh, C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", " + sh + ", Signature=" + kGoodSig +
           ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", " + sh + ", Signature=" + kGoodSig + ", Foo=1",
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", " + sh + ", Signature=abc",
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", " + sh + ", Signature=" + std::string(64, 'G'),
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", " + sh + ", Signature=" + std::string(64, 'A'),
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", SignedHeaders=, Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred +
           ", SignedHeaders=Host;x-amz-date, Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred +
           ", SignedHeaders=host;;x-amz-date, Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", SignedHeaders=host;host, Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3, " + sh + ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request/x, " + sh +
           ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AKID/2013052/us-east-1/s3/aws4_request, " + sh +
           ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AKID/20131324/us-east-1/s3/aws4_request, " + sh +
           ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws5_request, " + sh +
           ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request, " + sh +
           ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AKID/20130525/us-east-1/s3/aws4_request, " + sh +
           ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},  // date differs from x-amz-date
      {"AWS4-HMAC-SHA256 Credential=" + std::string(10000, 'A') + ", " + sh +
           ", Signature=" + kGoodSig,
       C::kAuthorizationHeaderMalformed},
      // Well formed and signed by nobody: only the signature is wrong.
      {"AWS4-HMAC-SHA256 Credential=" + kCred + ", " + sh + ", Signature=" + kGoodSig,
       C::kSignatureDoesNotMatch},
      {"AWS4-HMAC-SHA256 Credential=" + kCred + "," + sh + ",Signature=" + kGoodSig,
       C::kSignatureDoesNotMatch},
  };
  for (const auto& [authorization, code] : cases) {
    const AuthError e = header_error(authorization);
    EXPECT_EQ(e.code, code) << authorization.substr(0, 200) << "\n -> " << e.message;
  }
}

TEST(VerifyHostile, HeaderAuthDateAndPayloadHash) {
  const std::string auth =
      "AWS4-HMAC-SHA256 Credential=" + kCred +
      ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + kGoodSig;
  EXPECT_EQ(header_error(auth, {{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}}).message,
            "AWS authentication requires a valid Date or x-amz-date header");
  EXPECT_EQ(header_error(auth, {{"x-amz-date", "2013-05-24T00:00:00Z"},
                                {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}})
                .code,
            AuthErrorCode::kAccessDenied);
  EXPECT_EQ(header_error(auth, {{"x-amz-date", "20130524T000000Z"},
                                {"x-amz-date", "20130524T000000Z"},
                                {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}})
                .code,
            AuthErrorCode::kAccessDenied);
  for (std::string_view bad : {"unsigned-payload", "abc", "STREAMING-NOPE"}) {
    EXPECT_EQ(header_error(auth, {{"x-amz-date", "20130524T000000Z"},
                                  {"x-amz-content-sha256", std::string(bad)}})
                  .code,
              AuthErrorCode::kInvalidArgument)
        << bad;
  }
  for (std::string_view ok : {kStreamingPayload, kStreamingPayloadTrailer,
                              kStreamingUnsignedPayloadTrailer, kEmptySha256}) {
    EXPECT_EQ(header_error(auth, {{"x-amz-date", "20130524T000000Z"},
                                  {"x-amz-content-sha256", std::string(ok)}})
                  .code,
              AuthErrorCode::kSignatureDoesNotMatch)
        << ok;
  }
}

// SigV4 takes the request's time from the Date header when there is no X-Amz-Date. The
// vector is get-vanilla from AWS's original 2011 aws4_testsuite, which signed Date in
// HTTP-date form (the suite in tests/data is the later edition, with X-Amz-Date).
TEST(VerifyDateHeader, TheOriginalSuitesGetVanillaSignsTheDateHeader) {
  const Credentials creds{"AKIDEXAMPLE", SecretKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), ""};
  const auto lookup = lookup_of({creds});
  VerifyPolicy policy = policy_at(*parse_amz_date("20110909T233600Z"));
  policy.service = "host";
  const auto request = [](std::string date, std::string signed_headers, std::string signature) {
    return WireRequest{"GET",
                       "/",
                       {{"Date", std::move(date)},
                        {"Host", "host.foo.com"},
                        // The payload's hash, which verify() takes from this header (the
                        // suite's request has no body); it is not a signed header.
                        {"x-amz-content-sha256", std::string(kEmptySha256)},
                        {"Authorization",
                         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/host/"
                         "aws4_request, SignedHeaders=" +
                             std::move(signed_headers) + ", Signature=" + std::move(signature)}},
                       {}};
  };
  const std::string http_date = "Mon, 09 Sep 2011 23:36:00 GMT";
  const std::string vanilla = "b27ccfbfa7df52a200ff74193ca6e32d4b48b8856fab7ebf1c595d0670a7e470";
  auto r = request(http_date, "date;host", vanilla);
  const auto ok = verify(r.view(), policy, lookup);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->auth.amz_date, "20110909T233600Z");
  EXPECT_TRUE(ok->auth.dated_by_date_header);

  // The basic ISO 8601 form in Date, as MinIO accepts it (signature computed for it).
  auto basic = request("20110909T233600Z", "date;host",
                       "3576498fabe29305d8fbe7ebae518bd911549c9fb124b935f64366d72c1f7983");
  EXPECT_TRUE(verify(basic.view(), policy, lookup));

  // Another second in the same form: the signature no longer matches.
  auto later = request("Mon, 09 Sep 2011 23:36:01 GMT", "date;host", vanilla);
  const auto moved = verify(later.view(), policy, lookup);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, AuthErrorCode::kSignatureDoesNotMatch);

  // A time the signature does not cover is no time: Date must be signed when it is the one.
  auto unsigned_date = request(http_date, "host", vanilla);
  const auto refused = verify(unsigned_date.view(), policy, lookup);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, AuthErrorCode::kAccessDenied);

  // Two Date headers, or a date that is not one, are no time either.
  auto twice = request(http_date, "date;host", vanilla);
  twice.headers.push_back({"Date", http_date});
  EXPECT_EQ(verify(twice.view(), policy, lookup).error().message,
            "AWS authentication requires a valid Date or x-amz-date header");
  auto garbage = request("yesterday", "date;host", vanilla);
  EXPECT_EQ(verify(garbage.view(), policy, lookup).error().message,
            "AWS authentication requires a valid Date or x-amz-date header");
}

TEST(VerifyDateHeader, XAmzDateWinsOverDate) {
  const HeaderView headers[] = {{"Host", "h"}};
  SigningParams params{&kCreds, "us-east-1", "s3", kTime, {}, nullptr};
  const auto signed_headers = sign_headers({"GET", "/b/k", headers}, kEmptySha256, params);
  ASSERT_TRUE(signed_headers);
  WireRequest r{"GET", "/b/k", {{"Host", "h"}, {"Date", "Mon, 09 Sep 2011 23:36:00 GMT"}}, {}};
  for (const auto& a : signed_headers->headers_to_add) r.headers.push_back(a);
  const auto result = verify(r.view(), policy_at(kTime), kLookup);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_FALSE(result->auth.dated_by_date_header);
  EXPECT_EQ(result->auth.amz_date, "20130524T000000Z");
}

AuthError query_error(std::string query) {
  WireRequest r{"GET", "/b/k?" + std::move(query), {{"Host", "h"}}, {}};
  const auto result = verify(r.view(), policy_at(kTime), kLookup);
  EXPECT_FALSE(result);
  return result ? AuthError{} : result.error();
}

TEST(VerifyHostile, MalformedPresignedQueries) {
  const std::string alg = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
  const std::string cred =
      "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request";
  const std::string date = "X-Amz-Date=20130524T000000Z";
  const std::string exp = "X-Amz-Expires=60";
  const std::string sh = "X-Amz-SignedHeaders=host";
  const std::string sig = "X-Amz-Signature=" + kGoodSig;
  auto join = [](std::initializer_list<std::string> parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "&") + p;
    return out;
  };
  using C = AuthErrorCode;
  const std::vector<std::pair<std::string, C>> cases = {
      {join({alg, cred, date, exp, sh}), C::kAuthorizationQueryParametersError},
      {join({cred, date, exp, sh, sig}), C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, sh, sig}), C::kAuthorizationQueryParametersError},
      {join({alg, cred, exp, sh, sig}), C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, sig}), C::kAuthorizationQueryParametersError},
      {join({"X-Amz-Algorithm=AWS4-HMAC-SHA1", cred, date, exp, sh, sig}),
       C::kAuthorizationQueryParametersError},
      {join({alg, cred, cred, date, exp, sh, sig}), C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, sh, sig, sig}), C::kAuthorizationQueryParametersError},
      {join({alg, "X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3", date, exp, sh, sig}),
       C::kAuthorizationQueryParametersError},
      {join({alg, "X-Amz-Credential=", date, exp, sh, sig}), C::kAuthorizationQueryParametersError},
      {join({alg, cred, "X-Amz-Date=20130524", exp, sh, sig}),
       C::kAuthorizationQueryParametersError},
      {join({alg, cred, "X-Amz-Date=20130524T250000Z", exp, sh, sig}),
       C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, "X-Amz-SignedHeaders=", sig}),
       C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, "X-Amz-SignedHeaders=HOST", sig}),
       C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, sh, "X-Amz-Signature=" + std::string(63, 'a')}),
       C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, sh, "X-Amz-Signature=" + std::string(65, 'a')}),
       C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, sh, "X-Amz-Signature=" + std::string(64, 'z')}),
       C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, sh, sig, "bad=%zz"}), C::kAuthorizationQueryParametersError},
      {join({alg, cred, date, exp, "X-Amz-SignedHeaders=content-type", sig}), C::kAccessDenied},
      {join({alg, cred, date, exp, sh, sig}), C::kSignatureDoesNotMatch},
  };
  for (const auto& [query, code] : cases) {
    const AuthError e = query_error(query);
    EXPECT_EQ(e.code, code) << query << "\n -> " << e.message;
  }
}

TEST(VerifyHostile, RandomGarbageNeverCrashes) {
  std::mt19937 rng(99);
  const std::string good =
      "AWS4-HMAC-SHA256 Credential=" + kCred +
      ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + kGoodSig;
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = good;
    const int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = rng() % (mutated.size() + 1);
      switch (rng() % 3) {
        case 0:
          mutated.insert(pos, 1, static_cast<char>(rng() % 256));
          break;
        case 1:
          if (pos < mutated.size()) mutated.erase(pos, 1 + rng() % 8);
          break;
        default:
          if (pos < mutated.size()) mutated[pos] = ",=/; "[rng() % 5];
          break;
      }
    }
    WireRequest r{"GET",
                  "/b/k?X-Amz-" + mutated.substr(0, rng() % 40),
                  {{"Host", "h"},
                   {"Authorization", mutated},
                   {"x-amz-date", "20130524T000000Z"},
                   {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}},
                  {}};
    const auto result = verify(r.view(), policy_at(kTime), kLookup);
    EXPECT_FALSE(result) << mutated;  // a random edit never makes a valid signature
  }
}

}  // namespace
}  // namespace upgate::sigv4
