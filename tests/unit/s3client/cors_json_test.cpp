// read_cors_json / write_cors_json: the seed's CORS JSON and aws s3api's, hostile input
// refused with an error that says where, and what is written read back unchanged.
#include "upgate/s3client/cors_json.hpp"

#include <gtest/gtest.h>

#include "support/test_data.hpp"

namespace upgate::s3client {
namespace {

// The seed's section 4, as written there (tests/data/seed_cors.json).
const std::string kSeedCors = upgate::testing::read_test_data("seed_cors.json");

s3::CorsConfiguration seed_configuration() {
  s3::CorsRule rule;
  rule.allowed_headers = {"Content-Type"};
  rule.allowed_methods = {"PUT"};
  rule.allowed_origins = {"http://localhost:3000", "https://your-domain.com"};
  rule.expose_headers = {"ETag"};
  rule.max_age_seconds = 3000;
  return {{rule}};
}

std::string error_of(std::string_view text) {
  auto r = read_cors_json(text);
  EXPECT_FALSE(r) << "accepted: " << text;
  return r ? std::string() : r.error().message;
}

TEST(CorsJson, ReadsTheSeedsDocument) {
  auto r = read_cors_json(kSeedCors);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, seed_configuration());
}

TEST(CorsJson, ReadsTheAwsCliFormWithIds) {
  auto r = read_cors_json(R"({"CORSRules": [
      {"ID": "uploads", "AllowedMethods": ["PUT", "POST"], "AllowedOrigins": ["*"]},
      {"AllowedMethods": ["GET"], "AllowedOrigins": ["https://*.example.com"],
       "AllowedHeaders": ["*"], "MaxAgeSeconds": 0}]})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->rules.size(), 2u);
  EXPECT_EQ(r->rules[0].id, "uploads");
  EXPECT_EQ(r->rules[0].allowed_methods, (std::vector<std::string>{"PUT", "POST"}));
  EXPECT_EQ(r->rules[1].allowed_origins, (std::vector<std::string>{"https://*.example.com"}));
  EXPECT_EQ(r->rules[1].max_age_seconds, 0);
}

TEST(CorsJson, SkipsAByteOrderMark) {
  auto r = read_cors_json("\xEF\xBB\xBF" + kSeedCors);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, seed_configuration());
}

TEST(CorsJson, WrongValuesAreNamedByTheirPath) {
  EXPECT_EQ(error_of(R"([{"AllowedMethods": "PUT", "AllowedOrigins": ["*"]}])"),
            "$[0].AllowedMethods is not an array");
  EXPECT_EQ(error_of(R"([{"AllowedMethods": ["PUT", 7], "AllowedOrigins": ["*"]}])"),
            "$[0].AllowedMethods[1] is not a string");
  EXPECT_EQ(error_of(R"({"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]},
                                 {"AllowedMethod": ["PUT"], "AllowedOrigins": ["*"]}]})"),
            "$.CORSRules[1] has an unknown key 'AllowedMethod'");
  EXPECT_EQ(error_of(R"([{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"],
                         "MaxAgeSeconds": "3000"}])"),
            "$[0].MaxAgeSeconds is not an integer");
  EXPECT_EQ(error_of(R"([{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"],
                         "MaxAgeSeconds": 1.5}])"),
            "$[0].MaxAgeSeconds is not an integer");
  EXPECT_EQ(error_of(R"([{"ID": 1, "AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}])"),
            "$[0].ID is not a string");
  EXPECT_EQ(error_of(R"(["PUT"])"), "$[0] is not an object");
  EXPECT_EQ(error_of(R"({"CORSRules": {}})"), "$.CORSRules is not an array");
  EXPECT_EQ(error_of(R"({"Rules": []})"), "CORS JSON object must have exactly the key CORSRules");
  EXPECT_EQ(error_of(R"("PUT")"), "$ is not an array");
}

TEST(CorsJson, BrokenS3RulesAreNamedByRuleNumber) {
  EXPECT_EQ(error_of("[]"), "a CORS configuration needs a CORSRule");
  EXPECT_EQ(error_of(R"([{"AllowedMethods": ["PUT"]}])"), "CORSRule 1: no AllowedOrigin");
  EXPECT_EQ(error_of(R"([{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]},
                         {"AllowedOrigins": ["*"]}])"),
            "CORSRule 2: no AllowedMethod");
  EXPECT_NE(error_of(R"([{"AllowedMethods": ["PATCH"], "AllowedOrigins": ["*"]}])")
                .find("Unsupported method is PATCH"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"AllowedMethods": ["PUT"], "AllowedOrigins": ["http://*.*.com"]}])")
                .find("more than one wildcard"),
            std::string::npos);
  EXPECT_EQ(error_of(R"([{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"],
                         "MaxAgeSeconds": -1}])"),
            "CORSRule 1: MaxAgeSeconds is negative");
  EXPECT_EQ(error_of(R"([{"AllowedMethods": ["PUT"], "AllowedOrigins": ["a\u0000b"]}])"),
            "CORSRule 1: a value holds a control character");
  std::string many = "[";
  for (int i = 0; i < 101; ++i) {
    many += std::string(i ? "," : "") + R"({"AllowedMethods":["PUT"],"AllowedOrigins":["*"]})";
  }
  EXPECT_EQ(error_of(many + "]"), "more than 100 CORS rules (101)");
}

TEST(CorsJson, SyntaxErrorsSayWhere) {
  EXPECT_EQ(error_of("[\n  {\"AllowedMethods\": [\"PUT\"],,}\n]"),
            "not valid JSON at line 2, column 30: syntax error");
  EXPECT_EQ(error_of("[{\"AllowedMethods\": [\"PUT\"]"),
            "the JSON ends too early (an unclosed [ or {?)");
  EXPECT_EQ(error_of(kSeedCors + "\n]"), "text after the JSON value at line 20, column 1");
  EXPECT_EQ(error_of("[{'AllowedMethods': ['PUT']}]").substr(0, 30),
            "not valid JSON at line 1, colu");
  EXPECT_EQ(error_of("// comment\n[]").substr(0, 30), "not valid JSON at line 1, colu");
  EXPECT_EQ(error_of(""), "the CORS JSON is empty");
  EXPECT_EQ(error_of(" \n\t"), "the CORS JSON is empty");
}

TEST(CorsJson, HostileInputIsBounded) {
  EXPECT_EQ(error_of(std::string(20, '[') + std::string(20, ']')).substr(0, 28),
            "nested deeper than 8 levels ");
  const std::string big = "[" + std::string(70000, ' ') + "]";
  EXPECT_EQ(error_of(big), "the CORS JSON is 70002 bytes; the limit is 65536");
  auto small_limit = read_cors_json(kSeedCors, 100);
  ASSERT_FALSE(small_limit);
  EXPECT_NE(small_limit.error().message.find("the limit is 100"), std::string::npos);
  // Invalid UTF-8 inside a string.
  EXPECT_EQ(
      error_of("[{\"AllowedMethods\": [\"PUT\"], \"AllowedOrigins\": [\"\xff\"]}]").substr(0, 30),
      "not valid JSON at line 1, colu");
  // A number far out of range.
  EXPECT_EQ(error_of(R"([{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"],
                         "MaxAgeSeconds": 99999999999999999999999}])"),
            "$[0].MaxAgeSeconds is not an integer");
}

TEST(CorsJson, WritesTheSeedsForm) {
  EXPECT_EQ(write_cors_json(seed_configuration()), kSeedCors);
}

TEST(CorsJson, WritesTheAwsCliForm) {
  s3::CorsRule rule;
  rule.id = "one";
  rule.allowed_methods = {"GET"};
  rule.allowed_origins = {"*"};
  EXPECT_EQ(write_cors_json({{rule}}, CorsJsonForm::kAwsCli),
            "{\n"
            "  \"CORSRules\": [\n"
            "    {\n"
            "      \"ID\": \"one\",\n"
            "      \"AllowedMethods\": [\n"
            "        \"GET\"\n"
            "      ],\n"
            "      \"AllowedOrigins\": [\n"
            "        \"*\"\n"
            "      ]\n"
            "    }\n"
            "  ]\n"
            "}\n");
}

TEST(CorsJson, WhatIsWrittenReadsBack) {
  s3::CorsRule odd;
  odd.id = "quote \" backslash \\ unicode é";
  odd.allowed_methods = {"GET", "PUT", "POST", "DELETE", "HEAD"};
  odd.allowed_origins = {"https://*.example.com", "http://localhost:3000"};
  odd.allowed_headers = {"*"};
  odd.expose_headers = {"ETag", "x-amz-request-id"};
  odd.max_age_seconds = 0;
  s3::CorsRule plain;
  plain.allowed_methods = {"PUT"};
  plain.allowed_origins = {"*"};
  const s3::CorsConfiguration configuration{{odd, plain}};
  for (const auto form : {CorsJsonForm::kRuleArray, CorsJsonForm::kAwsCli}) {
    auto back = read_cors_json(write_cors_json(configuration, form));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, configuration);
  }
}

}  // namespace
}  // namespace upgate::s3client
