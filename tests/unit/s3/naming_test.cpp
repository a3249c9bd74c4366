#include "upgate/s3/naming.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include <string>

#include "mutations.hpp"

namespace upgate::s3 {
namespace {

using upgate::testing::results_of;

TEST(NamingTest, KeysUpTo1024BytesOfUtf8) {
  EXPECT_TRUE(validate_object_key(""));
  EXPECT_TRUE(validate_object_key("a/b/../c"));  // opaque, kept verbatim
  EXPECT_TRUE(validate_object_key(std::string(1024, 'k')));
  const auto too_long = validate_object_key(std::string(1025, 'k'));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::KeyTooLongError);
  EXPECT_EQ(too_long.error().detail("Size"), "1025");
  EXPECT_EQ(too_long.error().detail("MaxSizeAllowed"), "1024");
  // 1024 bytes is the limit, not 1024 characters: 342 three-byte characters are 1026 bytes.
  std::string wide;
  for (int i = 0; i < 342; ++i) wide += "\xE2\x82\xAC";
  EXPECT_EQ(validate_object_key(wide).error().code, ErrorCode::KeyTooLongError);
  const auto bad = validate_object_key("ok\xC3(");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidURI);
}

TEST(NamingTest, BucketNameRules) {
  for (const char* good : {"abc", "uploads", "my-bucket.example", "a1b", "123",
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    EXPECT_TRUE(validate_bucket_name(good)) << good;
  }
  for (const char* bad : {"ab",
                          "",
                          "Uploads",
                          "my_bucket",
                          "-abc",
                          "abc-",
                          ".abc",
                          "abc.",
                          "a..b",
                          "192.168.5.4",
                          "xn--abc",
                          "sthree-abc",
                          "amzn-s3-demo-x",
                          "abc-s3alias",
                          "abc--ol-s3",
                          "abc.mrap",
                          "abc--x-s3",
                          "abc--table-s3",
                          "a b c",
                          "abc/def",
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    const auto r = validate_bucket_name(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::InvalidBucketName) << bad;
    EXPECT_EQ(r.error().detail("BucketName"), bad);
  }
  EXPECT_TRUE(validate_bucket_name("192.168.5"));  // not an IPv4 address
}

// The one rule where S3's page is silent: each dot-separated label begins and ends with
// a letter or digit, so a hyphen never touches a period (naming.hpp says why).
TEST(NamingTest, HyphensNeverTouchPeriods) {
  for (const char* bad : {"a.-b", "a-.b", "my.-bucket", "my-.bucket", "a.b-.c"}) {
    const auto r = validate_bucket_name(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::InvalidBucketName) << bad;
    EXPECT_FALSE(validate_bucket_name_syntax(bad)) << bad;
  }
  for (const char* good : {"a--b", "a-b.c-d", "my.bucket-1", "1.2.3", "a.1-2.b"}) {
    EXPECT_TRUE(validate_bucket_name(good)) << good;
  }
}

// Names S3 reserves for access points, directory buckets and the like can be sent
// requests to, so the syntax alone lets them through; creating one is refused.
TEST(NamingTest, SyntaxAloneAllowsReservedNames) {
  for (const char* reserved : {"xn--abc", "sthree-abc", "amzn-s3-demo-x", "abc-s3alias",
                               "abc--ol-s3", "abc.mrap", "abc--x-s3", "abc--table-s3"}) {
    EXPECT_TRUE(validate_bucket_name_syntax(reserved)) << reserved;
    EXPECT_FALSE(validate_bucket_name(reserved)) << reserved;
  }
  for (const char* bad : {"ab", "Uploads", "my_bucket", "-abc", "abc.", "a..b", "192.168.5.4"}) {
    EXPECT_FALSE(validate_bucket_name_syntax(bad)) << bad;
  }
}

TEST(NamingTest, PercentDecoding) {
  EXPECT_EQ(*percent_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(*percent_decode("a+b"), "a+b");
  EXPECT_EQ(*percent_decode("a+b", /*plus_is_space=*/true), "a b");
  EXPECT_EQ(*percent_decode("%e2%82%ac"), "\xE2\x82\xAC");
  EXPECT_EQ(*percent_decode(""), "");
  for (const char* bad : {"%", "%2", "%zz", "a%g1", "%%", "abc%"}) {
    const auto r = percent_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::InvalidURI) << bad;
  }
}

TEST(NamingTest, UrlEncodingAsS3AppliesIt) {
  // A space is %20, never '+': S3 has been measured answering '+', but a client that
  // decodes the listing as a URI (decodeURIComponent) then reads the wrong key, while
  // %20 reads back as a space for URI and form decoders (botocore) alike. A literal '+'
  // is %2B, '/' stays.
  results_of(url_encode_key)
      .expect({
          {"a b.txt", "a%20b.txt"},
          {"a+b.txt", "a%2Bb.txt"},
          {"100%.csv", "100%25.csv"},
          {"\xED\x95\x9C\xEA\xB8\x80/x.txt", "%ED%95%9C%EA%B8%80/x.txt"},
          {"run books/", "run%20books/"},
          {"a-b_c.d*e~f", "a-b_c.d*e%7Ef"},
          {std::string("\x01\n", 2), "%01%0A"},
      });
  EXPECT_EQ(*percent_decode(url_encode_key("x y+z"), /*plus_is_space=*/true), "x y+z");
}

TEST(NamingTest, PathStyleTargets) {
  auto t = parse_request_target("/uploads/services/a%20b.png?x-id=PutObject", "127.0.0.1:9000", "");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "uploads");
  EXPECT_EQ(t->key, "services/a b.png");
  EXPECT_EQ(t->raw_query, "x-id=PutObject");
  EXPECT_FALSE(t->virtual_hosted);

  t = parse_request_target("/", "localhost", "");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "");
  EXPECT_EQ(t->key, "");

  t = parse_request_target("/uploads", "localhost", "");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "uploads");
  EXPECT_EQ(t->key, "");

  t = parse_request_target("/uploads/?list-type=2", "localhost", "");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->key, "");
  EXPECT_EQ(t->raw_query, "list-type=2");

  t = parse_request_target("/uploads//lead/../x+y", "localhost", "");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->key, "/lead/../x+y");  // verbatim: no normalization, '+' literal
}

TEST(NamingTest, VirtualHostedTargets) {
  auto t = parse_request_target("/photo.jpg", "uploads.s3.example.com", "s3.example.com");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->virtual_hosted);
  EXPECT_EQ(t->bucket, "uploads");
  EXPECT_EQ(t->key, "photo.jpg");

  t = parse_request_target("/a/b?acl", "My.Bucket.S3.Example.com:9000", "s3.example.com");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "my.bucket");
  EXPECT_EQ(t->key, "a/b");

  // The bare domain and foreign hosts fall back to path-style.
  t = parse_request_target("/uploads/k", "s3.example.com", "s3.example.com");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->virtual_hosted);
  EXPECT_EQ(t->bucket, "uploads");
  t = parse_request_target("/uploads/k", "evil-s3.example.com", "s3.example.com");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->virtual_hosted);
  t = parse_request_target("/uploads/k", "[::1]:9000", "s3.example.com");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "uploads");

  t = parse_request_target("/", "uploads.s3.example.com", "s3.example.com");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "uploads");
  EXPECT_EQ(t->key, "");
}

TEST(NamingTest, HostileTargets) {
  const auto code = [](std::string_view target, std::string_view host = "localhost",
                       std::string_view domain = "") {
    const auto r = parse_request_target(target, host, domain);
    return r ? std::string("ok") : std::string(r.error().code_name());
  };
  EXPECT_EQ(code(""), "InvalidURI");
  EXPECT_EQ(code("uploads/k"), "InvalidURI");
  EXPECT_EQ(code("/uploads/%zz"), "InvalidURI");
  EXPECT_EQ(code("/uploads/%"), "InvalidURI");
  EXPECT_EQ(code("/uploads/%C3%28"), "InvalidURI");  // invalid UTF-8 once decoded
  EXPECT_EQ(code("//key"), "InvalidURI");
  EXPECT_EQ(code("/Bad_Bucket/k"), "InvalidBucketName");
  EXPECT_EQ(code("/uploads/" + std::string(1025, 'k')), "KeyTooLongError");
  EXPECT_EQ(code("/uploads/" + std::string(1024, 'k')), "ok");
  std::string encoded_1025;
  for (int i = 0; i < 1025; ++i) encoded_1025 += "%41";
  EXPECT_EQ(code("/uploads/" + encoded_1025), "KeyTooLongError");
  EXPECT_EQ(code("/k", "Bad_Bucket.s3.example.com", "s3.example.com"), "InvalidBucketName");
}

TEST(NamingTest, MutatedTargetsAreRefusedOrValid) {
  testing::Mutator m(0x7a26);
  for (int i = 0; i < 5000; ++i) {
    const std::string target = m.mutate("/uploads/dir/a%20b%2Bc.txt?list-type=2");
    const std::string host = m.mutate("uploads.s3.example.com:9000");
    const auto t = parse_request_target(target, host, "s3.example.com");
    if (t) {
      ASSERT_TRUE(validate_object_key(t->key));
      if (!t->bucket.empty()) {
        ASSERT_TRUE(validate_bucket_name(t->bucket));
      }
    }
    const auto decoded = percent_decode(target);
    if (decoded) {
      ASSERT_LE(decoded->size(), target.size());
    }
  }
}
}  // namespace
}  // namespace upgate::s3
