// AWS URI encoding, strict percent-decoding and canonical URIs (S3 and generic).
#include "upgate/sigv4/uri_encoding.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

namespace upgate::sigv4 {
namespace {

using upgate::testing::results_of;

TEST(UriEncode, KeepsOnlyUnreservedBytes) {
  EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(uri_encode(" +=&*%/$!'()"), "%20%2B%3D%26%2A%25%2F%24%21%27%28%29");
  EXPECT_EQ(uri_encode("a/b", false), "a/b");
  EXPECT_EQ(uri_encode("ü日"), "%C3%BC%E6%97%A5");
  EXPECT_EQ(uri_encode(std::string_view("\0\xff", 2)), "%00%FF");
}

TEST(PercentDecode, DecodesAndRefusesMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%20b%2Fc%e6%97%a5"), "a b/c\xe6\x97\xa5");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%2B", true), "+");
  for (std::string_view bad : {"%", "%4", "%zz", "a%g0", "%%", "abc%2"}) {
    EXPECT_FALSE(percent_decode(bad)) << bad;
  }
}

TEST(CanonicalUri, S3EncodesTheDecodedPathOnceAndNeverNormalises) {
  results_of([](std::string_view path) { return canonical_uri(path); })
      .expect({
          {"", "/"},
          {"/", "/"},
          {"/test$file.text", "/test%24file.text"},
          {"/a%20b/c", "/a%20b/c"},
          {"/a b/c", "/a%20b/c"},
          {"/a%2fb", "/a/b"},  // S3 keys hold '/', however it was sent
          {"/my-object//example//photo.user", "/my-object//example//photo.user"},
          {"/a/./b/../c", "/a/./b/../c"},
          {"/a+b", "/a%2Bb"},
      });
  EXPECT_FALSE(canonical_uri("/a%zzb"));
}

TEST(CanonicalUri, GenericRulesNormaliseAndEncodeTwice) {
  const CanonicalUriOptions generic{true, true};
  results_of([&](std::string_view path) { return canonical_uri(path, generic); })
      .expect({
          {"//example//", "/example/"},
          {"/example/..", "/"},
          {"/example1/example2/../..", "/"},
          {"/./", "/"},
          {"/./example", "/example"},
          {"/a/b/..", "/a/"},
          {"/../../a", "/a"},
          {"/a%20b", "/a%2520b"},
      });
  EXPECT_EQ(canonical_uri("/a%20b", {false, true}), "/a%2520b");
  EXPECT_EQ(canonical_uri("/a/../b", {true, false}), "/b");
  EXPECT_FALSE(canonical_uri("/a%2", generic));
}

}  // namespace
}  // namespace upgate::sigv4
