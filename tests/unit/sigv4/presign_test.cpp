// presign(): the S3 vectors (the AWS documentation's presigned GET and the
// botocore-checked PUT/GET edge cases), addressing style, validation, and
// agreement with the generic query signer for many random inputs.
#include "upgate/sigv4/presign.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "request_file.hpp"
#include "signing_vectors.hpp"
#include "upgate/sigv4/canonical_request.hpp"

namespace upgate::sigv4 {
namespace {

using testing::parse_request_file;
using testing::read_file;
using testing::SigningMode;
using testing::SigningVector;

struct SplitUrl {
  std::string base;                                         // scheme://host/path
  std::vector<std::pair<std::string, std::string>> params;  // decoded, sorted
};

SplitUrl split_url(std::string_view url) {
  SplitUrl out;
  const auto q = url.find('?');
  out.base = std::string(url.substr(0, q));
  if (q != std::string_view::npos) {
    const auto params = parse_query(url.substr(q + 1));
    EXPECT_TRUE(params) << url;
    if (params) {
      for (const auto& p : *params) out.params.emplace_back(p.name, p.value);
    }
  }
  std::sort(out.params.begin(), out.params.end());
  return out;
}

std::string param(const SplitUrl& u, std::string_view name) {
  for (const auto& [n, v] : u.params) {
    if (n == name) return v;
  }
  return "<absent>";
}

// The S3 folder's presigned cases, signed through presign() from bucket and key.
std::vector<SigningVector> presign_vectors() {
  std::vector<SigningVector> out;
  for (auto& v : testing::load_signing_vectors()) {
    if (v.suite == "s3" && v.mode == SigningMode::kQuery) out.push_back(std::move(v));
  }
  return out;
}

class PresignVectorTest : public ::testing::TestWithParam<SigningVector> {};

TEST_P(PresignVectorTest, ProducesThePublishedUrl) {
  SigningVector v = GetParam();
  if (v.name == "presigned-get-object") {
    // The S3 API Reference example: virtual-hosted examplebucket/test.txt.
    v.bucket = "examplebucket";
    v.key = "test.txt";
    v.addressing_style = "virtual";
  }
  ASSERT_FALSE(v.bucket.empty()) << v.dir;
  std::string expected_url = read_file(v.presigned_url_path).value();
  while (!expected_url.empty() && expected_url.back() == '\n') expected_url.pop_back();  // one line
  const std::string expected_signature = read_file(v.signature_path).value();
  const auto request_file = parse_request_file(read_file(v.request_path).value());
  ASSERT_TRUE(request_file);

  const auto scheme_end = expected_url.find("://");
  const auto host_end = expected_url.find('/', scheme_end + 3);
  std::string endpoint_url = expected_url.substr(0, host_end);
  if (v.addressing_style == "virtual") {  // the endpoint is the host without the bucket
    endpoint_url.erase(scheme_end + 3, v.bucket.size() + 1);
  }
  auto endpoint = S3Endpoint::parse(endpoint_url, v.addressing_style == "path");
  ASSERT_TRUE(endpoint) << endpoint.error().message;

  std::vector<HeaderView> headers;
  for (const auto& h : request_file->headers) {
    if (!(h.name == "Host")) headers.push_back({h.name, h.value});
  }
  PresignRequest request;
  request.method = request_file->method;
  request.bucket = v.bucket;
  request.key = v.key;
  request.expires = v.expires;
  request.time = v.time;
  request.headers = headers;
  const Credentials creds = v.credentials(true);
  SigningKeyCache cache;
  const auto url = presign(request, *endpoint, creds, v.region, &cache);
  ASSERT_TRUE(url) << url.error().message;

  const SplitUrl got = split_url(url->url);
  const SplitUrl want = split_url(expected_url);
  EXPECT_EQ(got.base, want.base);
  EXPECT_EQ(got.params, want.params);
  EXPECT_EQ(param(got, "X-Amz-Signature"), expected_signature);
  if (v.name == "presigned-get-object") {
    EXPECT_EQ(url->url, expected_url);  // byte for byte
  }
  EXPECT_EQ(url->method, request_file->method);
  ASSERT_EQ(url->headers.size(), headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) {
    EXPECT_EQ(url->headers[i].name, headers[i].name);
    EXPECT_EQ(url->headers[i].value, headers[i].value);
  }
  EXPECT_EQ(url->expires_at, v.time + v.expires);
}

INSTANTIATE_TEST_SUITE_P(S3Vectors, PresignVectorTest, ::testing::ValuesIn(presign_vectors()),
                         [](const auto& info) { return info.param.test_name(); });

const Credentials kCreds{"AKIAIOSFODNN7EXAMPLE",
                         SecretKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), ""};
const Timestamp kTime = *parse_amz_date("20130524T000000Z");

PresignRequest put(std::string_view bucket, std::string_view key) {
  PresignRequest r;
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.time = kTime;
  return r;
}

S3Endpoint parsed_endpoint(std::string_view url, bool path_style = false) {
  return S3Endpoint::parse(url, path_style).value();
}

TEST(Presign, VirtualHostedWhenTheBucketIsADnsLabel) {
  const auto url = presign(put("my-bucket", "a/b.txt"), parsed_endpoint("https://s3.example.com"),
                           kCreds, "us-east-1");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->url.starts_with("https://my-bucket.s3.example.com/a/b.txt?")) << url->url;
}

TEST(Presign, FallsBackToPathStyleLikeTheSdks) {
  const auto https = parsed_endpoint("https://s3.example.com");
  const auto http = parsed_endpoint("http://s3.example.com");
  // Dots break the TLS wildcard certificate; uppercase and underscores are not DNS.
  EXPECT_TRUE(presign(put("my.bucket", "k"), https, kCreds, "us-east-1")
                  ->url.starts_with("https://s3.example.com/my.bucket/k?"));
  EXPECT_TRUE(presign(put("my.bucket", "k"), http, kCreds, "us-east-1")
                  ->url.starts_with("http://my.bucket.s3.example.com/k?"));
  EXPECT_TRUE(presign(put("My_Bucket", "k"), https, kCreds, "us-east-1")
                  ->url.starts_with("https://s3.example.com/My_Bucket/k?"));
  EXPECT_TRUE(presign(put("ab", "k"), https, kCreds, "us-east-1")
                  ->url.starts_with("https://s3.example.com/ab/k?"));
  EXPECT_TRUE(presign(put("192.168.1.1", "k"), http, kCreds, "us-east-1")
                  ->url.starts_with("http://s3.example.com/192.168.1.1/k?"));
  EXPECT_TRUE(
      presign(put("bucket", "k"), parsed_endpoint("http://127.0.0.1:9000"), kCreds, "us-east-1")
          ->url.starts_with("http://127.0.0.1:9000/bucket/k?"));
  EXPECT_TRUE(presign(put("bucket", "k"), parsed_endpoint("http://[::1]:9000"), kCreds, "us-east-1")
                  ->url.starts_with("http://[::1]:9000/bucket/k?"));
  EXPECT_TRUE(presign(put("bucket", "k"), parsed_endpoint("https://s3.example.com", true), kCreds,
                      "us-east-1")
                  ->url.starts_with("https://s3.example.com/bucket/k?"));
}

TEST(Presign, CustomPortIsInTheUrlAndTheSignedHost) {
  const auto url =
      presign(put("b", "k"), parsed_endpoint("http://minio.internal:9000"), kCreds, "us-east-1");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->url.starts_with("http://minio.internal:9000/b/k?")) << url->url;
  // Default ports are dropped, as browsers drop them from Host.
  EXPECT_TRUE(presign(put("bucket", "k"), parsed_endpoint("https://s3.example.com:443"), kCreds,
                      "us-east-1")
                  ->url.starts_with("https://bucket.s3.example.com/k?"));
}

TEST(Presign, SignsTheSessionTokenAndExtraQueryParameters) {
  const Credentials temp{"ASIAEXAMPLE", SecretKey("secret"), "tok/en+=="};
  const QueryParamView extra[] = {{"partNumber", "3"}, {"uploadId", "a b/c"}};
  PresignRequest r = put("bucket", "k");
  r.query = extra;
  const auto url = presign(r, parsed_endpoint("https://s3.example.com"), temp, "eu-west-1");
  ASSERT_TRUE(url);
  const SplitUrl u = split_url(url->url);
  EXPECT_EQ(param(u, "X-Amz-Security-Token"), "tok/en+==");
  EXPECT_NE(url->url.find("X-Amz-Security-Token=tok%2Fen%2B%3D%3D"), std::string::npos);
  EXPECT_EQ(param(u, "partNumber"), "3");
  EXPECT_EQ(param(u, "uploadId"), "a b/c");
  EXPECT_NE(url->url.find("uploadId=a%20b%2Fc"), std::string::npos);
  EXPECT_EQ(param(u, "X-Amz-Credential"), "ASIAEXAMPLE/20130524/eu-west-1/s3/aws4_request");
  EXPECT_TRUE(url->url.ends_with("&X-Amz-Signature=" + param(u, "X-Amz-Signature")));
}

TEST(Presign, ReturnsTheHeadersWithTheCallersNamesAndSignsThemLowerCased) {
  const HeaderView headers[] = {{"Content-Type", "image/png"},
                                {"Content-Length", "1024"},
                                {"x-amz-meta-Owner", "  Ada   Lovelace "}};
  PresignRequest r = put("bucket", "k");
  r.headers = headers;
  const auto url = presign(r, parsed_endpoint("https://s3.example.com"), kCreds, "us-east-1");
  ASSERT_TRUE(url);
  EXPECT_EQ(param(split_url(url->url), "X-Amz-SignedHeaders"),
            "content-length;content-type;host;x-amz-meta-owner");
  ASSERT_EQ(url->headers.size(), 3u);
  EXPECT_EQ(url->headers[0], (Header{"Content-Type", "image/png"}));
  EXPECT_EQ(url->headers[2], (Header{"x-amz-meta-Owner", "  Ada   Lovelace "}));
}

TEST(Presign, ValidatesItsInputs) {
  const auto ep = parsed_endpoint("https://s3.example.com");
  auto bad = [&](PresignRequest r, const Credentials& c = kCreds,
                 std::string_view region = "us-east-1") {
    return !presign(r, ep, c, region).has_value();
  };
  PresignRequest r = put("bucket", "k");
  EXPECT_FALSE(bad(r));
  r.expires = std::chrono::seconds(0);
  EXPECT_TRUE(bad(r));
  r.expires = std::chrono::seconds(604801);
  EXPECT_TRUE(bad(r));
  r.expires = std::chrono::seconds(604800);
  EXPECT_FALSE(bad(r));
  r.expires = std::chrono::seconds(1);
  EXPECT_FALSE(bad(r));
  EXPECT_TRUE(bad(put("", "k")));
  EXPECT_TRUE(bad(put("a/b", "k")));
  EXPECT_TRUE(bad(put("bucket", std::string(1025, 'k'))));
  EXPECT_FALSE(bad(put("bucket", std::string(1024, 'k'))));
  PresignRequest m = put("bucket", "k");
  m.method = "P UT";
  EXPECT_TRUE(bad(m));
  m.method = "";
  EXPECT_TRUE(bad(m));
  EXPECT_TRUE(bad(put("bucket", "k"), Credentials{"", SecretKey("s"), ""}));
  EXPECT_TRUE(bad(put("bucket", "k"), Credentials{"AKID", SecretKey(), ""}));
  EXPECT_TRUE(bad(put("bucket", "k"), kCreds, ""));
  EXPECT_TRUE(bad(put("bucket", "k"), kCreds, "us/east"));
  for (const HeaderView h : std::initializer_list<HeaderView>{{"Content Type", "x"},
                                                              {"Content-Type", "a\r\nb"},
                                                              {"Host", "evil.com"},
                                                              {"Authorization", "x"},
                                                              {"", "x"}}) {
    PresignRequest hr = put("bucket", "k");
    hr.headers = std::span<const HeaderView>(&h, 1);
    EXPECT_TRUE(bad(hr)) << h.name;
  }
  const HeaderView twice[] = {{"Content-Type", "a"}, {"content-type", "b"}};
  PresignRequest tr = put("bucket", "k");
  tr.headers = twice;
  EXPECT_TRUE(bad(tr));
  const QueryParamView reserved[] = {{"X-Amz-Signature", "x"}};
  PresignRequest qr = put("bucket", "k");
  qr.query = reserved;
  EXPECT_TRUE(bad(qr));
}

TEST(Presign, ADeclaredBodyHashBecomesThePayloadHash) {
  const std::string hash(64, 'a');
  const HeaderView headers[] = {{"x-amz-content-sha256", hash}};
  PresignRequest r = put("bucket", "k");
  r.headers = headers;
  const auto ep = parsed_endpoint("https://s3.example.com");
  const auto url = presign(r, ep, kCreds, "us-east-1");
  ASSERT_TRUE(url);
  EXPECT_EQ(param(split_url(url->url), "X-Amz-SignedHeaders"), "host;x-amz-content-sha256");
  // Same request signed generically with that payload hash: same signature.
  const HeaderView all[] = {{"Host", "bucket.s3.example.com"}, {"x-amz-content-sha256", hash}};
  SigningParams params{&kCreds, "us-east-1", "s3", kTime, {}, nullptr};
  const auto generic = sign_query({"PUT", "/k", all}, hash, params, r.expires);
  ASSERT_TRUE(generic);
  EXPECT_EQ(param(split_url(url->url), "X-Amz-Signature"), generic->trace.signature);
  const HeaderView bad[] = {{"x-amz-content-sha256", "not-a-hash"}};
  r.headers = bad;
  EXPECT_FALSE(presign(r, ep, kCreds, "us-east-1"));
}

TEST(Presign, ErrorsNeverHoldTheSecret) {
  PresignRequest r = put("bucket", "k");
  r.expires = std::chrono::seconds(0);
  const auto result = presign(r, parsed_endpoint("https://s3.example.com"), kCreds, "us-east-1");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message.find(kCreds.secret_access_key.reveal()), std::string::npos);
}

// The fast path and the generic signer are independent implementations of
// the same rules: for random inputs they must sign identically.
TEST(Presign, AgreesWithTheGenericQuerySignerOnRandomInputs) {
  std::mt19937 rng(20240521);
  const std::string alphabet = "abcXYZ019 +=&~*%/?#-_.!'()$,;:@[]\"<>\\^`{|}";
  const std::vector<std::string> unicode = {"ü", "日本", "😀", "\xc3\xa9"};
  auto random_text = [&](std::size_t max_len) {
    std::string s;
    const std::size_t len = rng() % (max_len + 1);
    while (s.size() < len) {
      if (rng() % 8 == 0) {
        s += unicode[rng() % unicode.size()];
      } else {
        s += alphabet[rng() % alphabet.size()];
      }
    }
    return s;
  };
  SigningKeyCache cache;
  for (int i = 0; i < 300; ++i) {
    const std::string key = random_text(i % 10 == 0 ? 1024 : 40).substr(0, 1024);
    const std::string ctype = "text/" + random_text(8);
    const std::string meta = random_text(12);
    const std::string qvalue = random_text(12);
    const bool token = i % 3 == 0;
    const Credentials creds{"AKID" + std::to_string(i), SecretKey("secret" + std::to_string(i % 5)),
                            token ? "token/" + std::to_string(i) + "+=" : ""};
    std::vector<HeaderView> headers = {{"Content-Type", ctype}, {"Content-Length", "42"}};
    if (i % 2) headers.push_back({"X-Amz-Meta-Note", meta});
    std::vector<QueryParamView> query;
    if (i % 4 == 1) query = {{"response-content-disposition", qvalue}, {"a", ""}};
    PresignRequest r = put(i % 5 == 0 ? "my.bucket" : "bucket-1", key);
    r.method = i % 2 ? "PUT" : "GET";
    r.headers = headers;
    r.query = query;
    r.expires = std::chrono::seconds(1 + i * 997 % 604800);
    r.time = kTime + std::chrono::seconds(i * 3601);
    const auto ep =
        parsed_endpoint(i % 3 == 0 ? "http://127.0.0.1:9000" : "https://s3.example.com");
    const auto url = presign(r, ep, creds, "us-west-2", &cache);
    ASSERT_TRUE(url) << url.error().message;

    // Rebuild the same request for sign_query: path and extra query from the
    // URL (minus the auth parameters), headers plus Host.
    const std::string& u = url->url;
    const auto host_start = u.find("://") + 3;
    const auto path_start = u.find('/', host_start);
    const std::string host = u.substr(host_start, path_start - host_start);
    const auto q = u.find('?');
    std::string target = u.substr(path_start, q - path_start);
    std::string extra;
    const auto url_params = parse_query(u.substr(q + 1));
    ASSERT_TRUE(url_params);
    for (const auto& p : *url_params) {
      if (p.name.starts_with("X-Amz-")) continue;
      extra += (extra.empty() ? "" : "&") + uri_encode(p.name) + "=" + uri_encode(p.value);
    }
    if (!extra.empty()) target += "?" + extra;
    std::vector<HeaderView> all = headers;
    all.push_back({"Host", host});
    const Credentials no_token{creds.access_key_id, creds.secret_access_key, creds.session_token};
    SigningParams params{&no_token, "us-west-2", "s3", r.time, {}, &cache};
    const auto generic = sign_query({r.method, target, all}, kUnsignedPayload, params, r.expires);
    ASSERT_TRUE(generic) << generic.error().message;
    EXPECT_EQ(param(split_url(u), "X-Amz-Signature"), generic->trace.signature)
        << "key=" << key << "\ncanonical request:\n"
        << generic->trace.canonical_request;
  }
}

}  // namespace
}  // namespace upgate::sigv4
