// S3Endpoint: parsing endpoint URLs, and the one addressing rule (virtual-hosted or
// path style) that presigned URLs, POST forms and the S3 client share.
#include "upgate/sigv4/s3_endpoint.hpp"

#include <gtest/gtest.h>

#include <string>

namespace upgate::sigv4 {
namespace {

S3Endpoint endpoint(std::string_view url, bool path_style = false) {
  return S3Endpoint::parse(url, path_style).value();
}

std::string url_of(const S3Endpoint& e, std::string_view bucket, std::string_view key = {}) {
  std::string out;
  e.append_url(out, bucket, key);
  return out;
}

TEST(S3Endpoint, ParsesSchemeHostAndPort) {
  const auto e = S3Endpoint::parse("HTTP://Minio.Internal:9000/", true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->scheme, "http");
  EXPECT_EQ(e->host, "minio.internal");
  EXPECT_EQ(e->port, 9000);
  EXPECT_TRUE(e->path_style);
  EXPECT_EQ(e->host_header(), "minio.internal:9000");
  EXPECT_EQ(S3Endpoint::parse("http://h:80", false)->port, 0);
  EXPECT_EQ(S3Endpoint::parse("https://h:80", false)->port, 80);
  EXPECT_EQ(S3Endpoint::parse("http://[::1]:9000", false)->host_header(), "[::1]:9000");
  for (std::string_view bad :
       {"", "s3.example.com", "ftp://h", "http://", "http://h:0", "http://h:65536",
        "http://h:", "http://h:9x", "http://h/path", "http://h?x=1", "http://u@h", "http://h h",
        "http://[::1", "http://[zz]"}) {
    EXPECT_FALSE(S3Endpoint::parse(bad, false)) << bad;
  }
}

TEST(S3Endpoint, AwsRegionalEndpoint) {
  const auto e = S3Endpoint::aws("eu-west-1");
  EXPECT_EQ(e.scheme, "https");
  EXPECT_EQ(e.host, "s3.eu-west-1.amazonaws.com");
  EXPECT_FALSE(e.path_style);
  EXPECT_EQ(S3Endpoint::aws("cn-north-1").host, "s3.cn-north-1.amazonaws.com.cn");
}

TEST(S3Endpoint, VirtualHostedOnlyForDnsLabelsOnNamedHosts) {
  const auto https = endpoint("https://s3.example.com");
  const auto http = endpoint("http://s3.example.com");
  EXPECT_TRUE(https.virtual_hosted_for("my-bucket"));
  EXPECT_TRUE(https.virtual_hosted_for("b0b"));
  EXPECT_FALSE(https.virtual_hosted_for("my.bucket"));  // the wildcard certificate covers one label
  EXPECT_TRUE(http.virtual_hosted_for("my.bucket"));
  using namespace std::string_view_literals;
  for (const std::string_view not_dns :
       {"ab"sv, "My_Bucket"sv, "Bucket"sv, "-bucket"sv, "bucket-"sv, "a..b"sv, "a.-b"sv, "a-.b"sv,
        "192.168.1.1"sv, "a\0b"sv}) {
    EXPECT_FALSE(http.virtual_hosted_for(not_dns)) << not_dns;
  }
  EXPECT_FALSE(http.virtual_hosted_for(std::string(64, 'a')));
  EXPECT_TRUE(http.virtual_hosted_for(std::string(63, 'a')));
  EXPECT_FALSE(endpoint("http://127.0.0.1:9000").virtual_hosted_for("bucket"));
  EXPECT_FALSE(endpoint("http://[::1]:9000").virtual_hosted_for("bucket"));
  EXPECT_FALSE(endpoint("https://s3.example.com", true).virtual_hosted_for("bucket"));
}

TEST(S3Endpoint, ObjectAndBucketUrls) {
  const auto https = endpoint("https://s3.example.com");
  EXPECT_EQ(url_of(https, "bucket", "a/b c.txt"), "https://bucket.s3.example.com/a/b%20c.txt");
  EXPECT_EQ(url_of(https, "my.bucket", "a/b"), "https://s3.example.com/my.bucket/a/b");
  EXPECT_EQ(url_of(endpoint("http://minio.internal:9000", true), "b", "k"),
            "http://minio.internal:9000/b/k");
  EXPECT_EQ(url_of(endpoint("http://[::1]:9000"), "bucket", "k/"), "http://[::1]:9000/bucket/k/");
  // Without a key: where a browser form posts.
  EXPECT_EQ(url_of(https, "bucket"), "https://bucket.s3.example.com/");
  EXPECT_EQ(url_of(endpoint("http://127.0.0.1:9000"), "bucket"), "http://127.0.0.1:9000/bucket");
  // A bucket that is no DNS label is encoded as a path segment.
  EXPECT_EQ(url_of(https, "My Bucket", "k"), "https://s3.example.com/My%20Bucket/k");
  // The key keeps its slashes, empty segments included; everything else is encoded.
  EXPECT_EQ(url_of(https, "bucket", "/a//b?c#d"), "https://bucket.s3.example.com//a//b%3Fc%23d");
}

}  // namespace
}  // namespace upgate::sigv4
