// JSON as hostile input: duplicates, depth, size, UTF-8, trailing data.
#include "upgate/auth/strict_json.hpp"

#include <gtest/gtest.h>

namespace upgate::auth {
namespace {

TEST(StrictJson, ParsesAnObject) {
  const auto v = parse_strict_json(R"({"a":1,"b":[true,null,"x"],"c":{"d":-2.5}})");
  ASSERT_TRUE(v.has_value()) << v.error();
  EXPECT_EQ(v->at("a").as_int64(), 1);
  EXPECT_EQ(v->at("b").as_array().size(), 3u);
  EXPECT_EQ(v->at("c").at("d").as_double(), -2.5);
}

TEST(StrictJson, RefusesDuplicateMembersAtAnyDepth) {
  EXPECT_FALSE(parse_strict_json(R"({"sub":"alice","sub":"bob"})").has_value());
  EXPECT_FALSE(parse_strict_json(R"({"a":{"x":1,"y":2,"x":3}})").has_value());
  EXPECT_FALSE(parse_strict_json(R"([{"k":1},{"k":1,"k":1}])").has_value());
  // The same name in sibling objects is fine.
  EXPECT_TRUE(parse_strict_json(R"([{"k":1},{"k":2}])").has_value());
  // Escapes are compared decoded: "\u0061" is "a".
  EXPECT_FALSE(parse_strict_json(R"({"a":1,"\u0061":2})").has_value());
}

TEST(StrictJson, DuplicateErrorSaysSoWithoutQuotingTheInput) {
  const auto v = parse_strict_json(R"({"secret-name":1,"secret-name":2})");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error(), "an object names a member twice");
}

TEST(StrictJson, RefusesWhatRfc8259Does) {
  for (const std::string_view bad : {"{", "{\"a\":1,}", "[1,]", "{\"a\":1} x", "{'a':1}", "/*c*/{}",
                                     "{\"a\":01}", "NaN", "{\"a\":1}{\"b\":2}", ""}) {
    EXPECT_FALSE(parse_strict_json(bad).has_value()) << bad;
  }
}

TEST(StrictJson, RefusesInvalidUtf8) {
  EXPECT_FALSE(parse_strict_json("{\"a\":\"\xff\"}").has_value());
  EXPECT_FALSE(parse_strict_json("{\"\xc0\xaf\":1}").has_value());
  EXPECT_TRUE(parse_strict_json("{\"a\":\"\xc3\xa9\"}").has_value());
}

TEST(StrictJson, BoundsDepthAndSize) {
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "[";
  for (int i = 0; i < 20; ++i) deep += "]";
  EXPECT_FALSE(parse_strict_json(deep, JsonLimits{1024, 16}).has_value());
  EXPECT_TRUE(parse_strict_json(deep, JsonLimits{1024, 32}).has_value());
  const std::string big = "\"" + std::string(100, 'x') + "\"";
  EXPECT_FALSE(parse_strict_json(big, JsonLimits{64, 4}).has_value());
  EXPECT_TRUE(parse_strict_json(big, JsonLimits{200, 4}).has_value());
}

TEST(StrictJson, BoundsMembersPerObject) {
  std::string wide = "[";
  for (int i = 0; i < 5000; ++i) wide += i ? ",0" : "0";
  wide += "]";
  EXPECT_FALSE(parse_strict_json(wide, JsonLimits{1 << 20, 4}).has_value());
}

TEST(StrictJson, LongKeysCompareWhole) {
  // Keys near the 1 KiB bound, differing only in their last byte.
  const std::string key(900, 'k');
  const std::string doc = "{\"" + key + "\":1,\"" + key + "\":2}";
  EXPECT_FALSE(parse_strict_json(doc).has_value());
  const std::string other = "{\"" + key + "\":1,\"" + key + "x\":2}";
  EXPECT_TRUE(parse_strict_json(other).has_value());
}

}  // namespace
}  // namespace upgate::auth
