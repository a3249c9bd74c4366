#include "upgate/s3/cors.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include <map>
#include <string>

#include "upgate/s3/xml_requests.hpp"

#include "mutations.hpp"
#include "support/test_data.hpp"

namespace upgate::s3 {
namespace {

using upgate::testing::results_of;

// The seed document's bucket CORS configuration (tests/data/seed_cors.json).
const std::string kSeedJson = upgate::testing::read_test_data("seed_cors.json");

CorsConfiguration seed() {
  auto c = parse_cors_json(kSeedJson);
  EXPECT_TRUE(c) << c.error().reason;
  return *c;
}

std::map<std::string, std::string> as_map(const HeaderList& headers) {
  return {headers.begin(), headers.end()};
}

const CorsConfiguration kSeed = seed();

CorsRequest preflight(std::string_view origin, std::string_view method,
                      std::optional<std::string_view> headers = std::nullopt) {
  return CorsRequest{"OPTIONS", origin, method, headers, true};
}

// "200" or "403"/"400" for a preflight against `config`.
std::string preflight_status(const CorsConfiguration& config, const CorsRequest& request) {
  const auto r = evaluate_preflight(&config, true, request);
  return r ? "200" : std::to_string(r.error().http_status());
}

TEST(CorsTest, SeedJsonParses) {
  const CorsConfiguration c = seed();
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.rules[0].allowed_headers, (std::vector<std::string>{"Content-Type"}));
  EXPECT_EQ(c.rules[0].allowed_methods, (std::vector<std::string>{"PUT"}));
  EXPECT_EQ(c.rules[0].allowed_origins.size(), 2u);
  EXPECT_EQ(c.rules[0].expose_headers, (std::vector<std::string>{"ETag"}));
  EXPECT_EQ(c.rules[0].max_age_seconds, 3000);
  // The put-bucket-cors form wraps the same array.
  const auto wrapped = parse_cors_json("{\"CORSRules\": " + kSeedJson + "}");
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(*wrapped, c);
}

TEST(CorsTest, SeedPreflightFromTheDemoOriginIsAllowed) {
  const auto r =
      evaluate_preflight(&kSeed, true, preflight("http://localhost:3000", "PUT", "content-type"));
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_TRUE(r->allowed);
  EXPECT_EQ(r->rule_index, 0u);
  const auto h = as_map(r->headers);
  EXPECT_EQ(h.at("Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_EQ(h.at("Access-Control-Allow-Methods"), "PUT");
  EXPECT_EQ(h.at("Access-Control-Allow-Headers"), "content-type");
  EXPECT_EQ(h.at("Access-Control-Expose-Headers"), "ETag");
  EXPECT_EQ(h.at("Access-Control-Max-Age"), "3000");
  EXPECT_EQ(h.at("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(h.at("Vary"), "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

TEST(CorsTest, SeedMatchingTable) {
  const CorsConfiguration c = seed();
  struct Row {
    const char* origin;
    const char* method;
    std::optional<const char*> headers;
    const char* expected;
  };
  const Row rows[] = {
      {"http://localhost:3000", "PUT", "Content-Type", "200"},
      {"http://localhost:3000", "PUT", "CONTENT-TYPE", "200"},  // header names fold case
      {"http://localhost:3000", "PUT", " content-type ", "200"},
      {"http://localhost:3000", "PUT", std::nullopt, "200"},
      {"https://your-domain.com", "PUT", "content-type", "200"},
      {"http://localhost:3001", "PUT", "content-type", "403"},   // another origin
      {"https://localhost:3000", "PUT", "content-type", "403"},  // another scheme
      {"http://LOCALHOST:3000", "PUT", "content-type", "403"},   // origins do not fold case
      {"http://localhost:3000/", "PUT", "content-type", "403"},
      {"http://localhost:3000", "GET", "content-type", "403"},  // method not allowed
      {"http://localhost:3000", "put", "content-type", "400"},  // methods are exact: no such one
      {"http://localhost:3000", "PUT", "content-type, x-amz-acl", "403"},  // header not allowed
      {"http://localhost:3000", "PUT", "x-amz-meta-a", "403"},
      {"null", "PUT", "content-type", "403"},
  };
  for (const Row& row : rows) {
    const CorsRequest request{
        "OPTIONS", row.origin, row.method,
        row.headers ? std::optional<std::string_view>(*row.headers) : std::nullopt, true};
    EXPECT_EQ(preflight_status(c, request), row.expected)
        << row.origin << " " << row.method << " " << row.headers.value_or("(none)");
  }
}

TEST(CorsTest, RefusedPreflightIsS3sAccessForbidden) {
  const auto r = evaluate_preflight(&kSeed, true, preflight("http://evil.example", "PUT"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::AccessForbidden);
  EXPECT_EQ(r.error().http_status(), 403);
  EXPECT_EQ(r.error().effective_message(),
            "CORSResponse: This CORS request is not allowed. This is usually because the "
            "evalution of Origin, request method / Access-Control-Request-Method or "
            "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");
  EXPECT_EQ(r.error().detail("Method"), "PUT");
  EXPECT_EQ(r.error().detail("ResourceType"), "OBJECT");
  EXPECT_NE(r.error().reason.find("origin 'http://evil.example' not allowed"), std::string::npos)
      << r.error().reason;

  CorsRequest bucket_level = preflight("http://evil.example", "GET");
  bucket_level.targets_object = false;
  EXPECT_EQ(evaluate_preflight(&kSeed, true, bucket_level).error().detail("ResourceType"),
            "BUCKET");
}

TEST(CorsTest, PreflightWithoutOriginConfigOrBucket) {
  CorsRequest no_origin{"OPTIONS", std::nullopt, "PUT", std::nullopt, true};
  auto r = evaluate_preflight(&kSeed, true, no_origin);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::BadRequest);
  EXPECT_EQ(r.error().http_status(), 400);
  EXPECT_EQ(r.error().effective_message(),
            "Insufficient information. Origin request header needed.");
  // Without Origin the answer is 400 even for a bucket that does not exist.
  EXPECT_EQ(evaluate_preflight(nullptr, false, no_origin).error().code, ErrorCode::BadRequest);

  r = evaluate_preflight(nullptr, true, preflight("http://localhost:3000", "PUT"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::AccessForbidden);
  EXPECT_EQ(r.error().effective_message(), "CORSResponse: CORS is not enabled for this bucket.");
  EXPECT_EQ(r.error().detail("Method"), "PUT");
  EXPECT_EQ(r.error().detail("ResourceType"), "BUCKET");

  CorsRequest no_method{"OPTIONS", "http://localhost:3000", std::nullopt, std::nullopt, true};
  EXPECT_EQ(evaluate_preflight(nullptr, true, no_method).error().detail("Method"), "OPTIONS");

  r = evaluate_preflight(nullptr, false, preflight("http://localhost:3000", "PUT"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().effective_message(), "CORSResponse: Bucket not found");
}

// S3 first says whether there is CORS at all, then whether the preflight names a method a
// rule could allow (400 BadRequest quoting it, "null" when absent), then tries the rules.
TEST(CorsTest, PreflightWithoutAUsableMethodIsABadRequest) {
  const std::string too_long(65, 'A');
  const struct {
    std::optional<std::string_view> method;
    const char* message;
  } rows[] = {
      {std::nullopt, "Invalid Access-Control-Request-Method: null"},
      {"OPTIONS", "Invalid Access-Control-Request-Method: OPTIONS"},
      {"PATCH", "Invalid Access-Control-Request-Method: PATCH"},
      {"get", "Invalid Access-Control-Request-Method: get"},
      {"GET, PUT", "Invalid Access-Control-Request-Method: GET, PUT"},
      {"", "Invalid Access-Control-Request-Method: "},
      // Not echoed: too long, or not printable ASCII.
      {std::string_view("GET"), "Invalid Access-Control-Request-Method"},
      {"Ã©", "Invalid Access-Control-Request-Method"},
      {too_long, "Invalid Access-Control-Request-Method"},
  };
  for (const auto& row : rows) {
    const CorsRequest request{"OPTIONS", "http://localhost:3000", row.method, "content-type", true};
    const auto r = evaluate_preflight(&kSeed, true, request);
    ASSERT_FALSE(r) << row.message;
    EXPECT_EQ(r.error().code, ErrorCode::BadRequest) << row.message;
    EXPECT_EQ(r.error().http_status(), 400);
    EXPECT_EQ(r.error().effective_message(), row.message);
    EXPECT_FALSE(r.error().detail("Method")) << row.message;
  }
  // An origin no rule allows does not change that: the method is checked first.
  const CorsRequest evil{"OPTIONS", "http://evil.example", std::nullopt, std::nullopt, true};
  EXPECT_EQ(evaluate_preflight(&kSeed, true, evil).error().code, ErrorCode::BadRequest);
  // Without Origin, or without CORS, those answers win (S3 recorded: no configuration and no
  // method is "CORS is not enabled", Method OPTIONS).
  const CorsRequest no_origin{"OPTIONS", std::nullopt, std::nullopt, std::nullopt, true};
  EXPECT_EQ(evaluate_preflight(&kSeed, true, no_origin).error().effective_message(),
            "Insufficient information. Origin request header needed.");
  const CorsRequest no_method{"OPTIONS", "http://localhost:3000", std::nullopt, std::nullopt, true};
  EXPECT_EQ(evaluate_preflight(nullptr, true, no_method).error().code, ErrorCode::AccessForbidden);
  EXPECT_EQ(evaluate_preflight(nullptr, false, no_method).error().effective_message(),
            "CORSResponse: Bucket not found");
}

TEST(CorsTest, ActualRequests) {
  const CorsConfiguration c = seed();
  // The upload itself: PUT with Origin gets the CORS headers (ETag exposed for the browser).
  CorsDecision d = evaluate_actual_request(&c, {"PUT", "http://localhost:3000", {}, {}, true});
  ASSERT_TRUE(d.allowed);
  auto h = as_map(d.headers);
  EXPECT_EQ(h.at("Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_EQ(h.at("Access-Control-Expose-Headers"), "ETag");
  EXPECT_EQ(h.count("Access-Control-Allow-Headers"), 0u);
  // Another origin: the request proceeds, without CORS headers.
  d = evaluate_actual_request(&c, {"PUT", "http://evil.example", {}, {}, true});
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.headers.empty());
  EXPECT_FALSE(d.reason.empty());
  // No Origin: not cross-origin at all.
  d = evaluate_actual_request(&c, {"PUT", std::nullopt, {}, {}, true});
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.headers.empty());
  // No configuration.
  EXPECT_FALSE(
      evaluate_actual_request(nullptr, {"PUT", "http://localhost:3000", {}, {}, true}).allowed);
  // S3 evaluates Access-Control-Request-Method even on a non-OPTIONS request.
  EXPECT_FALSE(
      evaluate_actual_request(&c, {"PUT", "http://localhost:3000", "GET", {}, true}).allowed);
  // ... and Access-Control-Request-Headers too.
  EXPECT_FALSE(
      evaluate_actual_request(&c, {"PUT", "http://localhost:3000", {}, "x-amz-acl", true}).allowed);
  // The method of the actual request must be allowed.
  EXPECT_FALSE(evaluate_actual_request(&c, {"GET", "http://localhost:3000", {}, {}, true}).allowed);
}

CorsConfiguration config_of(const std::string& json) {
  auto c = parse_cors_json(json);
  EXPECT_TRUE(c) << c.error().reason;
  return c ? *c : CorsConfiguration{};
}

TEST(CorsTest, WildcardOriginAnswersStarWithoutCredentials) {
  const auto c = config_of(
      R"([{"AllowedOrigins":["*"],"AllowedMethods":["GET","PUT"],"AllowedHeaders":["*"],"MaxAgeSeconds":3000}])");
  const auto r = evaluate_preflight(
      &c, true, preflight("http://random:1234", "PUT", "X-Amz-Date, Authorization"));
  ASSERT_TRUE(r);
  const auto h = as_map(r->headers);
  EXPECT_EQ(h.at("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(h.count("Access-Control-Allow-Credentials"), 0u);
  EXPECT_EQ(h.at("Access-Control-Allow-Methods"), "GET, PUT");
  EXPECT_EQ(h.at("Access-Control-Allow-Headers"), "x-amz-date, authorization");
  EXPECT_EQ(h.at("Access-Control-Max-Age"), "3000");
}

TEST(CorsTest, DefaultsWithoutOptionalElements) {
  const auto c = config_of(R"({"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]})");
  auto r = evaluate_preflight(&c, true, preflight("localhost:4566", "GET"));
  ASSERT_TRUE(r);
  const auto h = as_map(r->headers);
  EXPECT_EQ(h.size(), 3u);  // Allow-Origin, Allow-Methods, Vary
  EXPECT_EQ(h.count("Access-Control-Max-Age"), 0u);
  EXPECT_EQ(h.count("Access-Control-Expose-Headers"), 0u);
  // Without AllowedHeader, a preflight naming any header is refused.
  EXPECT_FALSE(
      evaluate_preflight(&c, true, preflight("localhost:4566", "GET", "x-amz-request-payer")));
  // An empty Access-Control-Request-Headers names no header.
  EXPECT_TRUE(evaluate_preflight(&c, true, preflight("localhost:4566", "GET", " , ")));
}

TEST(CorsTest, OriginAndHeaderWildcards) {
  results_of(cors_origin_matches)
      .true_for({
          {"*", "http://anything"},
          {"*", ""},
          {"http://*.example.com", "http://app.example.com"},
          {"http://*.example.com", "http://a.b.example.com"},
          {"http://localhost:*", "http://localhost:5173"},
          {"*.example.com", "https://x.example.com"},
      })
      .false_for({
          {"http://*.example.com", "http://example.com"},
          {"http://*.example.com", "https://app.example.com"},
          {"http://*.example.com", "http://app.example.com.evil"},
          {"http://*.origin.com", "http://test.origin.com/"},
          {"http://Example.com", "http://example.com"},
          {"ab*ba", "aba"},  // head and tail may not overlap
      });

  results_of(cors_header_matches)
      .true_for({
          {"x-amz-*", "x-amz-date"},
          {"X-AMZ-*", "x-amz-meta-name"},
          {"x-amz-*", "X-Amz-Content-Sha256"},
          {"*", "anything"},
          {"Content-*", "content-md5"},
          {"x-AMZ-server-SIDE-encryption", "x-amz-server-side-encryption"},
      })
      .false_for({
          {"x-amz-*", "content-type"},
      });
}

TEST(CorsTest, FirstMatchingRuleWins) {
  const auto c = config_of(R"([
    {"AllowedOrigins":["http://www.example1.com"],"AllowedMethods":["PUT","POST","DELETE"],"AllowedHeaders":["*"]},
    {"AllowedOrigins":["http://www.example2.com"],"AllowedMethods":["PUT","POST","DELETE"],"AllowedHeaders":["*"]},
    {"AllowedOrigins":["*"],"AllowedMethods":["GET"],"ExposeHeaders":["x-amz-request-id"]}])");
  auto r =
      evaluate_preflight(&c, true, preflight("http://www.example2.com", "DELETE", "x-amz-date"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule_index, 1u);
  r = evaluate_preflight(&c, true, preflight("http://www.example1.com", "GET"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule_index, 2u);
  EXPECT_EQ(as_map(r->headers).at("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(evaluate_preflight(&c, true, preflight("http://www.example3.com", "PUT")));
}

TEST(CorsTest, JsonRefusalsSayWhy) {
  const auto reason = [](const std::string& json) {
    const auto r = parse_cors_json(json);
    return r ? std::string("ok") : std::string(r.error().code_name()) + ": " + r.error().reason;
  };
  EXPECT_EQ(reason("[]"), "MalformedXML: a CORS configuration needs a CORSRule");
  EXPECT_EQ(reason("{"), reason("{").substr(0, 12) + reason("{").substr(12));
  EXPECT_EQ(reason("{").substr(0, 34), "MalformedXML: CORS JSON does not p");
  EXPECT_EQ(reason("[{\"AllowedOrigins\":[\"*\"],\"AllowedMethods\":[\"GET\"],\"Bogus\":1}]"),
            "MalformedXML: $[0] has an unknown key 'Bogus'");
  EXPECT_EQ(reason("[{\"AllowedOrigins\":\"*\",\"AllowedMethods\":[\"GET\"]}]"),
            "MalformedXML: $[0].AllowedOrigins is not an array");
  EXPECT_EQ(reason("[{\"AllowedOrigins\":[1],\"AllowedMethods\":[\"GET\"]}]"),
            "MalformedXML: $[0].AllowedOrigins[0] is not a string");
  EXPECT_EQ(
      reason("[{\"AllowedOrigins\":[\"*\"],\"AllowedMethods\":[\"GET\"],\"MaxAgeSeconds\":\"1\"}]"),
      "MalformedXML: $[0].MaxAgeSeconds is not an integer");
  EXPECT_EQ(reason("{\"CORSRules\":[],\"Other\":1}"),
            "MalformedXML: CORS JSON object must have exactly the key CORSRules");
  EXPECT_EQ(
      reason("[{\"AllowedOrigins\":[\"*\"],\"AllowedMethods\":[\"PATCH\"]}]"),
      "InvalidRequest: Found unsupported HTTP method in CORS config. Unsupported method is PATCH");
  EXPECT_EQ(reason("[{\"AllowedOrigins\":[\"*\"]}]"), "MalformedXML: CORSRule 1: no AllowedMethod");
  EXPECT_EQ(reason("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")
                .substr(0, 34),
            "MalformedXML: CORS JSON does not p");
  EXPECT_EQ(reason(std::string(kMaxCorsDocumentBytes + 1, ' ')).substr(0, 24),
            "MaxMessageLengthExceeded");
}

TEST(CorsTest, JsonXmlRoundTrips) {
  const CorsConfiguration c = config_of(R"({"CORSRules":[
    {"ID":"r1","AllowedHeaders":["Content-Type","x-amz-*"],"AllowedMethods":["PUT","POST"],
     "AllowedOrigins":["http://localhost:3000","https://*.example.com"],"ExposeHeaders":["ETag"],
     "MaxAgeSeconds":600},
    {"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]})");
  const auto from_json = parse_cors_json(cors_to_json(c));
  ASSERT_TRUE(from_json);
  EXPECT_EQ(*from_json, c);
  const auto from_xml = parse_cors_configuration_xml(cors_to_xml(c));
  ASSERT_TRUE(from_xml) << from_xml.error().reason;
  EXPECT_EQ(*from_xml, c);
}

TEST(CorsTest, ManyRequestedHeadersAreRefusedNotExpensive) {
  const auto c =
      config_of(R"([{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"AllowedHeaders":["*"]}])");
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "h" + std::to_string(i) + ",";
  EXPECT_FALSE(evaluate_preflight(&c, true, preflight("http://x", "GET", many)));
  EXPECT_TRUE(evaluate_preflight(&c, true, preflight("http://x", "GET", "a,b,c")));
}

TEST(CorsTest, MutatedJsonAndRequestsNeverCrash) {
  testing::Mutator m(0xc025);
  for (int i = 0; i < 3000; ++i) {
    const std::string json = m.mutate(kSeedJson);
    const auto c = parse_cors_json(json);
    const CorsConfiguration& config = c ? *c : kSeed;
    if (c) {
      const auto again = parse_cors_json(cors_to_json(*c));
      ASSERT_TRUE(again);
      ASSERT_EQ(*again, *c);
    }
    const std::string origin = m.mutate("http://localhost:3000");
    const std::string headers = m.mutate("content-type, x-amz-date");
    const auto r = evaluate_preflight(&config, true, preflight(origin, "PUT", headers));
    if (r) {
      for (const auto& [name, value] : r->headers) {
        ASSERT_EQ(value.find_first_of("\r\n"), std::string::npos) << name;
      }
    }
  }
}
}  // namespace
}  // namespace upgate::s3
