// build_signed_request(): AWS's documented S3 signing examples reproduced from S3Calls,
// every built request accepted by the verifier S3 would run (sigv4::verify, which rebuilds
// the canonical request from the request as sent), addressing by S3Endpoint's rule, the
// body's real SHA-256 and Content-MD5, session tokens, and refused inputs.
#include "upgate/s3client/signed_request.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "upgate/sigv4/verify.hpp"

namespace upgate::s3client {
namespace {

const sigv4::Timestamp kExampleTime = *sigv4::parse_amz_date("20130524T000000Z");
constexpr std::string_view kExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::string vector_signature(std::string_view name) {
  std::ifstream in(std::string(UPGATE_TEST_DATA_DIR) + "/sigv4/s3/" + std::string(name) +
                   "/header-signature.txt");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// AWS's examples: virtual-hosted examplebucket on s3.amazonaws.com, us-east-1.
ClientOptions example_options() {
  ClientOptions o;
  o.endpoint = *sigv4::S3Endpoint::parse("https://s3.amazonaws.com", /*path_style=*/false);
  o.region = "us-east-1";
  o.credentials = {"AKIAIOSFODNN7EXAMPLE", sigv4::SecretKey(std::string(kExampleSecret)), ""};
  return o;
}

ClientOptions local_store_options() {
  ClientOptions o;
  o.endpoint = *sigv4::S3Endpoint::parse("http://127.0.0.1:9000", /*path_style=*/true);
  o.region = "us-east-1";
  o.credentials = {"AKIDLOCALSTORE", sigv4::SecretKey("local/secret+key"), ""};
  return o;
}

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return v;
    }
  }
  return "<absent>";
}

std::string signature_of(const HttpRequest& r) {
  const std::string auth = header(r, "Authorization");
  const auto at = auth.find("Signature=");
  return at == std::string::npos ? "" : auth.substr(at + 10);
}

// The request as the server receives it: the URL's authority becomes Host, as libcurl
// derives it, and the target is the URL's path and query as written.
struct Received {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<sigv4::HeaderView> views;

  explicit Received(const HttpRequest& r) : method(r.method) {
    const auto authority_start = r.url.find("://") + 3;
    const auto path_start = r.url.find('/', authority_start);
    target = r.url.substr(path_start);
    headers.emplace_back("Host", r.url.substr(authority_start, path_start - authority_start));
    for (const auto& h : r.headers) headers.push_back(h);
    for (const auto& [n, v] : headers) views.push_back({n, v});
  }
  sigv4::RequestView view() const { return {method, target, views}; }
};

Expected<sigv4::VerifiedAuth, sigv4::AuthError> verify_as_s3(const HttpRequest& request,
                                                             const ClientOptions& options,
                                                             sigv4::Timestamp now) {
  const Received received(request);
  sigv4::VerifyPolicy policy;
  policy.now = now;
  policy.region = options.region;
  const sigv4::Credentials known = options.credentials;
  return sigv4::verify(received.view(), policy,
                       [&](std::string_view id) -> std::optional<sigv4::Credentials> {
                         if (id == known.access_key_id) return known;
                         return std::nullopt;
                       });
}

// A call on a bucket's subresource (?lifecycle, ?cors), as the bucket commands make them.
S3Call bucket_call(std::string operation, std::string method, std::string bucket,
                   std::string subresource) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::move(bucket);
  call.query = {{std::move(subresource), ""}};
  return call;
}

// A call on one object.
S3Call object_call(std::string operation, std::string method, std::string bucket, std::string key) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::move(bucket);
  call.key = std::move(key);
  return call;
}

TEST(SignedRequest, ReproducesAwsGetBucketLifecycleExample) {
  const S3Call call = bucket_call("GetBucketLifecycle", "GET", "examplebucket", "lifecycle");
  auto r = build_signed_request(call, example_options(), kExampleTime);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->url, "https://examplebucket.s3.amazonaws.com/?lifecycle");
  EXPECT_EQ(signature_of(*r), vector_signature("get-bucket-lifecycle"));
  EXPECT_EQ(signature_of(*r), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SignedRequest, ReproducesAwsPutObjectExampleWithTheBodysHash) {
  S3Call call = object_call("PutObject", "PUT", "examplebucket", "test$file.text");
  call.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                  {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  call.body = "Welcome to Amazon S3.";
  auto r = build_signed_request(call, example_options(), kExampleTime);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->url, "https://examplebucket.s3.amazonaws.com/test%24file.text");
  EXPECT_EQ(header(*r, "x-amz-content-sha256"),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(signature_of(*r), vector_signature("put-object"));
  EXPECT_EQ(r->body, "Welcome to Amazon S3.");
}

TEST(SignedRequest, AuthorizationNamesScopeAndEverySignedHeader) {
  const S3Call call = bucket_call("GetBucketLifecycle", "GET", "examplebucket", "lifecycle");
  auto r = build_signed_request(call, example_options(), kExampleTime);
  ASSERT_TRUE(r);
  EXPECT_EQ(header(*r, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  EXPECT_EQ(header(*r, "X-Amz-Date"), "20130524T000000Z");
  EXPECT_EQ(header(*r, "Host"), "<absent>") << "libcurl derives Host from the URL";
}

TEST(SignedRequest, PutBucketCorsShapeIsAcceptedByTheVerifier) {
  S3Call call = bucket_call("PutBucketCors", "PUT", "uploads", "cors");
  call.headers = {{"Content-Type", "application/xml"}};
  call.body = "<CORSConfiguration/>";
  call.content_md5 = true;
  const auto options = local_store_options();
  const auto now = *sigv4::parse_amz_date("20260101T120000Z");
  auto r = build_signed_request(call, options, now);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->method, "PUT");
  EXPECT_EQ(r->url, "http://127.0.0.1:9000/uploads?cors");
  EXPECT_EQ(header(*r, "Content-MD5"), "X2DwA3ZNuD6gUGkUJg8PDg==");
  EXPECT_EQ(header(*r, "x-amz-content-sha256"), sigv4::hex(sigv4::sha256("<CORSConfiguration/>")));
  auto verified = verify_as_s3(*r, options, now + std::chrono::seconds(30));
  ASSERT_TRUE(verified) << verified.error().message;
  const auto& signed_headers = verified->auth.signed_headers;
  for (const char* name :
       {"content-md5", "content-type", "host", "x-amz-content-sha256", "x-amz-date"}) {
    EXPECT_NE(std::find(signed_headers.begin(), signed_headers.end(), name), signed_headers.end())
        << name << " must be signed";
  }
}

TEST(SignedRequest, TamperedRequestsAreRefusedByTheVerifier) {
  S3Call call = bucket_call("PutBucketCors", "PUT", "uploads", "cors");
  call.body = "<CORSConfiguration/>";
  call.content_md5 = true;
  const auto options = local_store_options();
  const auto now = *sigv4::parse_amz_date("20260101T120000Z");
  auto r = build_signed_request(call, options, now);
  ASSERT_TRUE(r);

  HttpRequest other_bucket = *r;
  other_bucket.url = "http://127.0.0.1:9000/another?cors";
  EXPECT_FALSE(verify_as_s3(other_bucket, options, now));

  HttpRequest other_md5 = *r;
  for (auto& [n, v] : other_md5.headers) {
    if (n == "Content-MD5") v = "1B2M2Y8AsgTpgAmY7PhCfg==";
  }
  EXPECT_FALSE(verify_as_s3(other_md5, options, now));

  ClientOptions wrong_secret = options;
  wrong_secret.credentials.secret_access_key = sigv4::SecretKey("not the secret");
  EXPECT_FALSE(verify_as_s3(*r, wrong_secret, now));
}

TEST(SignedRequest, SessionTokenIsSentAndSigned) {
  ClientOptions options = local_store_options();
  options.credentials.session_token = "FwoGZXIvYXdzEXAMPLE/token+==";
  const S3Call call = bucket_call("GetBucketCors", "GET", "uploads", "cors");
  const auto now = *sigv4::parse_amz_date("20260101T120000Z");
  auto r = build_signed_request(call, options, now);
  ASSERT_TRUE(r);
  EXPECT_EQ(header(*r, "X-Amz-Security-Token"), "FwoGZXIvYXdzEXAMPLE/token+==");
  EXPECT_NE(header(*r, "Authorization").find("x-amz-security-token"), std::string::npos);
  auto verified = verify_as_s3(*r, options, now);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->auth.security_token, "FwoGZXIvYXdzEXAMPLE/token+==");
}

TEST(SignedRequest, BodilessCallsSignTheEmptyPayloadHash) {
  const S3Call call = bucket_call("DeleteBucketCors", "DELETE", "uploads", "cors");
  auto r = build_signed_request(call, local_store_options(), kExampleTime);
  ASSERT_TRUE(r);
  EXPECT_EQ(header(*r, "x-amz-content-sha256"), sigv4::kEmptySha256);
  EXPECT_EQ(header(*r, "Content-MD5"), "<absent>");
}

TEST(SignedRequest, AddressingFollowsTheEndpointsRule) {
  S3Call call = bucket_call("GetBucketCors", "GET", "", "cors");
  ClientOptions o = example_options();
  o.endpoint = *sigv4::S3Endpoint::parse("https://s3.eu-west-1.amazonaws.com", false);
  const auto url_for = [&](std::string bucket) {
    call.bucket = std::move(bucket);
    auto r = build_signed_request(call, o, kExampleTime);
    EXPECT_TRUE(r);
    return r ? r->url : std::string();
  };
  EXPECT_EQ(url_for("uploads"), "https://uploads.s3.eu-west-1.amazonaws.com/?cors");
  // A dotted bucket under TLS, and one that is no DNS label, fall back to path style.
  EXPECT_EQ(url_for("my.uploads"), "https://s3.eu-west-1.amazonaws.com/my.uploads?cors");
  EXPECT_EQ(url_for("Uploads_Old"), "https://s3.eu-west-1.amazonaws.com/Uploads_Old?cors");
  o.endpoint.path_style = true;
  EXPECT_EQ(url_for("uploads"), "https://s3.eu-west-1.amazonaws.com/uploads?cors");
  // An IP literal is never a virtual host; a non-default port is kept in URL and Host.
  o.endpoint = *sigv4::S3Endpoint::parse("http://127.0.0.1:7480", false);
  EXPECT_EQ(url_for("uploads"), "http://127.0.0.1:7480/uploads?cors");
  o.endpoint = *sigv4::S3Endpoint::parse("http://rgw.internal:7480", false);
  EXPECT_EQ(url_for("uploads"), "http://uploads.rgw.internal:7480/?cors");
  o.endpoint = *sigv4::S3Endpoint::parse("https://s3.example.com:443", true);
  EXPECT_EQ(url_for("uploads"), "https://s3.example.com/uploads?cors");
}

TEST(SignedRequest, KeysAndQueryValuesAreEncodedOnceAndVerify) {
  S3Call call = object_call("UploadPart", "PUT", "uploads", "photos/a b+c/../ü.png");
  call.query = {{"partNumber", "1"}, {"uploadId", "x/y=z"}};
  call.body = "part";
  const auto options = local_store_options();
  auto r = build_signed_request(call, options, kExampleTime);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url,
            "http://127.0.0.1:9000/uploads/photos/a%20b%2Bc/../%C3%BC.png"
            "?partNumber=1&uploadId=x%2Fy%3Dz");
  auto verified = verify_as_s3(*r, options, kExampleTime);
  EXPECT_TRUE(verified) << verified.error().message;
}

TEST(SignedRequest, CarriesTheOptionsBounds) {
  ClientOptions o = local_store_options();
  o.connect_timeout = std::chrono::seconds(3);
  o.total_timeout = std::chrono::seconds(20);
  o.max_response_body = 4096;
  o.ca_file = "/etc/upgate/ca.pem";
  S3Call call;
  call.operation = "GetBucketCors";
  call.bucket = "uploads";
  auto r = build_signed_request(call, o, kExampleTime);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->connect_timeout, std::chrono::seconds(3));
  EXPECT_EQ(r->total_timeout, std::chrono::seconds(20));
  EXPECT_EQ(r->max_response_body, 4096u);
  EXPECT_EQ(r->ca_file, "/etc/upgate/ca.pem");
}

TEST(SignedRequest, RefusesBadInputWithoutQuotingSecrets) {
  ClientOptions options = local_store_options();
  options.credentials.session_token = "SESSIONTOKENSECRET";
  const auto refused = [&](const S3Call& call) {
    auto r = build_signed_request(call, options, kExampleTime);
    EXPECT_FALSE(r);
    if (r) return std::string();
    EXPECT_EQ(r.error().kind, ErrorKind::kRequest);
    EXPECT_EQ(r.error().operation, call.operation);
    const std::string text = r.error().describe();
    EXPECT_EQ(text.find("local/secret+key"), std::string::npos);
    EXPECT_EQ(text.find("SESSIONTOKENSECRET"), std::string::npos);
    return text;
  };
  S3Call base;
  base.operation = "PutBucketCors";
  base.method = "PUT";
  base.bucket = "uploads";

  S3Call c = base;
  c.method = "PU T";
  EXPECT_NE(refused(c).find("method"), std::string::npos);
  c = base;
  c.bucket = "a/b";
  EXPECT_NE(refused(c).find("bucket"), std::string::npos);
  c = base;
  c.bucket = "";
  c.key = "k";
  EXPECT_NE(refused(c).find("bucket"), std::string::npos);
  c = base;
  c.key = std::string(1025, 'k');
  EXPECT_NE(refused(c).find("1024"), std::string::npos);
  c = base;
  c.headers = {{"X-Amz-Meta-A", "one\r\nInjected: yes"}};
  EXPECT_NE(refused(c).find("CR, LF"), std::string::npos);
  c = base;
  c.headers = {{"Bad Name", "v"}};
  EXPECT_NE(refused(c).find("token"), std::string::npos);
  for (const char* owned :
       {"Host", "authorization", "X-Amz-Date", "x-amz-content-sha256", "X-Amz-Security-Token"}) {
    c = base;
    c.headers = {{owned, "x"}};
    EXPECT_NE(refused(c).find("set by the signer"), std::string::npos) << owned;
  }
  c = base;
  c.content_md5 = true;
  c.headers = {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}};
  EXPECT_NE(refused(c).find("set by the signer"), std::string::npos);

  ClientOptions no_region = options;
  no_region.region = "";
  auto r = build_signed_request(base, no_region, kExampleTime);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("region"), std::string::npos);
}

TEST(ContentMd5, IsBase64OfTheDigest) {
  EXPECT_EQ(content_md5(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(content_md5("Welcome to Amazon S3."), "1EfQ6PKJ8WoS/2AnznfCWA==");
}

}  // namespace
}  // namespace upgate::s3client

namespace upgate::s3client {
namespace {

TEST(BuildSignedRequest, AnotherServiceIsNamedInTheCredentialScope) {
  // RGW's topic calls: POST / on the S3 endpoint, no bucket, signed as "sns".
  S3Call call;
  call.operation = "CreateTopic";
  call.method = "POST";
  call.service = "sns";
  call.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  call.body = "Action=CreateTopic&Name=t&Version=2010-03-31";
  auto request = build_signed_request(call, local_store_options(), kExampleTime);
  ASSERT_TRUE(request) << request.error().describe();
  EXPECT_EQ(request->url, "http://127.0.0.1:9000/");
  EXPECT_NE(header(*request, "Authorization").find("/20130524/us-east-1/sns/aws4_request"),
            std::string::npos)
      << header(*request, "Authorization");
}

}  // namespace
}  // namespace upgate::s3client
