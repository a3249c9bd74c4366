#include "upgate/api/cors_policy.hpp"

#include <gtest/gtest.h>

namespace upgate::api {
namespace {

CorsConfig config(std::vector<std::string> origins, bool credentials = false) {
  CorsConfig c;
  c.allowed_origins = std::move(origins);
  c.allow_credentials = credentials;
  return c;
}

TEST(CorsPolicy, EchoesAllowedOriginWithVary) {
  const CorsPolicy cors(config({"https://app.example.com"}));
  http::Response response(200);
  cors.apply("https://app.example.com", response);
  EXPECT_EQ(response.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(response.header("Vary"), "Origin");
  EXPECT_FALSE(response.header("Access-Control-Allow-Credentials"));
}

TEST(CorsPolicy, OtherOriginsGetNothing) {
  const CorsPolicy cors(config({"https://app.example.com"}));
  for (std::optional<std::string_view> origin :
       {std::optional<std::string_view>("https://app.example.com.evil"),
        std::optional<std::string_view>("http://app.example.com"),
        std::optional<std::string_view>("null"), std::optional<std::string_view>()}) {
    http::Response response(200);
    cors.apply(origin, response);
    EXPECT_FALSE(response.header("Access-Control-Allow-Origin"));
  }
}

TEST(CorsPolicy, WildcardNeverWithCredentials) {
  const CorsPolicy wildcard(config({"*"}));
  http::Response response(200);
  wildcard.apply("https://anyone.example", response);
  EXPECT_EQ(response.header("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(response.header("Access-Control-Allow-Credentials"));

  const CorsPolicy credentials(config({"https://app.example.com"}, true));
  http::Response with(200);
  credentials.apply("https://app.example.com", with);
  EXPECT_EQ(with.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(with.header("Access-Control-Allow-Credentials"), "true");
}

TEST(CorsPolicy, Preflight) {
  using R = CorsPolicy::PreflightResult;
  const CorsPolicy cors(config({"https://app.example.com"}));
  EXPECT_EQ(cors.check_preflight("https://app.example.com", "POST", "Content-Type", "POST"),
            R::allowed);
  EXPECT_EQ(cors.check_preflight("https://app.example.com", "POST", " content-type ,", "POST"),
            R::allowed);
  EXPECT_EQ(cors.check_preflight("https://app.example.com", "POST", std::nullopt, "POST"),
            R::allowed);
  EXPECT_EQ(cors.check_preflight("https://evil.example", "POST", std::nullopt, "POST"),
            R::origin_refused);
  EXPECT_EQ(cors.check_preflight("https://app.example.com", "PUT", std::nullopt, "POST"),
            R::method_refused);
  EXPECT_EQ(cors.check_preflight("https://app.example.com", "POST", "content-type, authorization",
                                 "POST"),
            R::headers_refused);
  http::Response response(204);
  cors.apply_preflight("https://app.example.com", "POST", response);
  EXPECT_EQ(response.header("Access-Control-Allow-Methods"), "POST, OPTIONS");
  EXPECT_EQ(response.header("Access-Control-Allow-Headers"), "Content-Type");
  EXPECT_EQ(response.header("Access-Control-Max-Age"), "600");
}

}  // namespace
}  // namespace upgate::api
