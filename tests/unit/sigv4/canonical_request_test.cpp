// Query parsing, query and header canonicalisation, whole canonical requests.
#include "upgate/sigv4/canonical_request.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

namespace upgate::sigv4 {
namespace {

using upgate::testing::results_of;

TEST(ParseQuery, SplitsDecodesAndKeepsEmptyValues) {
  const auto params = parse_query("b=2&a&c=x%20y+z&&=v&d=");
  ASSERT_TRUE(params);
  ASSERT_EQ(params->size(), 5u);
  EXPECT_EQ((*params)[0].name, "b");
  EXPECT_EQ((*params)[1].name, "a");
  EXPECT_EQ((*params)[1].value, "");
  EXPECT_EQ((*params)[2].value, "x y z");
  EXPECT_EQ((*params)[3].name, "");
  EXPECT_EQ((*params)[3].value, "v");
  EXPECT_EQ((*params)[4].name, "d");
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_FALSE(parse_query("a=%zz"));
  EXPECT_FALSE(parse_query("%=1"));
}

TEST(CanonicalQueryString, SortsByEncodedNameThenValueAndEncodesEverything) {
  const QueryParam params[] = {{"Param", "value2"},       {"Param", "value1"}, {"param", "a"},
                               {"\xe1\x88\xb4", "x"},     {"k", "a/b+c=d&e"},  {"lifecycle", ""},
                               {"X-Amz-Signature", "zzz"}};
  EXPECT_EQ(canonical_query_string(params, "X-Amz-Signature"),
            "%E1%88%B4=x&Param=value1&Param=value2&k=a%2Fb%2Bc%3Dd%26e&lifecycle=&param=a");
  EXPECT_EQ(canonical_query_string({}), "");
}

TEST(CanonicalHeaderValue, TrimsAndSqueezesIncludingFoldedLines) {
  results_of(canonical_header_value)
      .expect({
          {"  value1  ", "value1"},
          {"\"a   b   c\"", "\"a b c\""},
          {"value1\n  value2\n     value3", "value1 value2 value3"},
          {"a\t\tb\r\n c", "a b c"},
          {"   ", ""},
      });
}

TEST(BuildCanonicalRequest, SignsNamedHeadersJoiningRepeatsInOrder) {
  const HeaderView headers[] = {{"Host", "example.com"},
                                {"My-Header", "b"},
                                {"X-Amz-Date", "20150830T123600Z"},
                                {"my-header", " a "},
                                {"Unsigned", "x"}};
  const std::string_view signed_headers[] = {"x-amz-date", "host", "my-header", "absent"};
  const auto creq = build_canonical_request({"GET", "/a%20b?z=1&a=2", headers}, signed_headers,
                                            "UNSIGNED-PAYLOAD");
  ASSERT_TRUE(creq);
  EXPECT_EQ(creq->signed_headers, "absent;host;my-header;x-amz-date");
  EXPECT_EQ(creq->text,
            "GET\n/a%20b\na=2&z=1\nabsent:\nhost:example.com\nmy-header:b,a\n"
            "x-amz-date:20150830T123600Z\n\nabsent;host;my-header;x-amz-date\nUNSIGNED-PAYLOAD");
}

TEST(BuildCanonicalRequest, EmptyListSignsEveryHeader) {
  const HeaderView headers[] = {{"Host", "h"}, {"B", "2"}, {"a", "1"}};
  const auto creq = build_canonical_request({"PUT", "/", headers}, {}, "h");
  ASSERT_TRUE(creq);
  EXPECT_EQ(creq->text, "PUT\n/\n\na:1\nb:2\nhost:h\n\na;b;host\nh");
}

TEST(BuildCanonicalRequest, SkipsTheNamedQueryParameter) {
  const HeaderView headers[] = {{"Host", "h"}};
  const auto creq = build_canonical_request({"GET", "/?X-Amz-Signature=abc&a=1", headers}, {},
                                            "UNSIGNED-PAYLOAD", {}, "X-Amz-Signature");
  ASSERT_TRUE(creq);
  EXPECT_EQ(creq->text, "GET\n/\na=1\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
}

TEST(BuildCanonicalRequest, RefusesMalformedEscapes) {
  const HeaderView headers[] = {{"Host", "h"}};
  const auto bad_path = build_canonical_request({"GET", "/%zz", headers}, {}, "x");
  ASSERT_FALSE(bad_path);
  EXPECT_EQ(bad_path.error(), CanonicalRequestError::kMalformedPath);
  const auto bad_query = build_canonical_request({"GET", "/?a=%4", headers}, {}, "x");
  ASSERT_FALSE(bad_query);
  EXPECT_EQ(bad_query.error(), CanonicalRequestError::kMalformedQuery);
}

}  // namespace
}  // namespace upgate::sigv4
