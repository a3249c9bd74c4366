// upgate::s3 CORS: a bucket's CORS rules and how S3 applies them.
//
// Matching, as S3 does it (S3 user guide, "How does Amazon S3 evaluate the CORS
// configuration on a bucket?", and S3's observed responses):
//  - rules are tried in order and the first that matches wins;
//  - a rule matches when the Origin matches one AllowedOrigin, the method (the
//    Access-Control-Request-Method when the request carries one, else the
//    request's own method) equals one AllowedMethod, and every header named in
//    Access-Control-Request-Headers matches one AllowedHeader;
//  - AllowedOrigin compares case-sensitively and may hold one '*' that matches any
//    run of characters ("http://*.example.com"); "*" alone matches every origin;
//  - AllowedHeader compares ASCII case-insensitively and may hold one '*';
//    a rule without AllowedHeader refuses any request that names headers.
// Headers added when a rule matches (preflight and actual request alike):
//  Access-Control-Allow-Origin    the request's Origin, or "*" when the rule's
//                                 AllowedOrigin list contains "*"
//  Access-Control-Allow-Methods   all of the rule's methods, ", "-separated
//  Access-Control-Allow-Headers   the requested headers, lowercased (only when requested)
//  Access-Control-Expose-Headers  the rule's ExposeHeaders (when it has any)
//  Access-Control-Max-Age         the rule's MaxAgeSeconds (when set)
//  Access-Control-Allow-Credentials: true  unless the rule's origins contain "*"
//  Vary: Origin, Access-Control-Request-Headers, Access-Control-Request-Method
// A preflight (OPTIONS) that does not match is refused with S3's errors, checked in
// S3's order: 400 BadRequest without Origin; 403 AccessForbidden "CORSResponse: ..."
// for a missing bucket or one without CORS; 400 BadRequest "Invalid
// Access-Control-Request-Method: M" ("null" when absent) unless M is one of the five
// methods a rule can name, exactly; 403 AccessForbidden when no rule matches.
// An actual request that does not match proceeds without CORS headers.
//
// Validation (PutBucketCors and the seed's JSON): 1..100 rules, each with at least
// one AllowedOrigin and one AllowedMethod; methods only GET PUT POST DELETE HEAD;
// at most one '*' per AllowedOrigin and per AllowedHeader; ID at most 255
// characters; no control characters (they would end up in response headers).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::s3 {

struct CorsRule {
  std::string id = {};  // omitted when empty
  std::vector<std::string> allowed_origins = {};
  std::vector<std::string> allowed_methods = {};
  std::vector<std::string> allowed_headers = {};
  std::vector<std::string> expose_headers = {};
  std::optional<std::int64_t> max_age_seconds = {};
  friend bool operator==(const CorsRule&, const CorsRule&) = default;
};

// A rule's four lists under their names in S3's XML (one element per item) and in its
// JSON (one array), in the JSON's order, which the AWS CLI prints and upgate keeps.
struct CorsRuleList {
  std::string_view xml_element;
  std::string_view json_key;
  std::vector<std::string> CorsRule::*values;
};
inline constexpr std::array<CorsRuleList, 4> kCorsRuleLists = {{
    {"AllowedHeader", "AllowedHeaders", &CorsRule::allowed_headers},
    {"AllowedMethod", "AllowedMethods", &CorsRule::allowed_methods},
    {"AllowedOrigin", "AllowedOrigins", &CorsRule::allowed_origins},
    {"ExposeHeader", "ExposeHeaders", &CorsRule::expose_headers},
}};

// The list called `name` in one of the two forms (&CorsRuleList::json_key or
// &CorsRuleList::xml_element), or nullptr.
constexpr const CorsRuleList* find_cors_rule_list(std::string_view CorsRuleList::*form,
                                                  std::string_view name) {
  for (const CorsRuleList& list : kCorsRuleLists) {
    if (list.*form == name) return &list;
  }
  return nullptr;
}

struct CorsConfiguration {
  std::vector<CorsRule> rules = {};
  friend bool operator==(const CorsConfiguration&, const CorsConfiguration&) = default;
};

inline constexpr std::size_t kMaxCorsRules = 100;
inline constexpr std::size_t kMaxCorsDocumentBytes = 64 * 1024;

Expected<void, S3Error> validate_cors_configuration(const CorsConfiguration& config);

// The seed's JSON: an array of rules, or {"CORSRules": [...]} as
// `aws s3api put-bucket-cors` takes it. Keys: AllowedHeaders, AllowedMethods,
// AllowedOrigins, ExposeHeaders, MaxAgeSeconds, ID; an unknown key is an error.
// Errors are MalformedXML-coded S3Errors (what PutBucketCors would answer) whose
// reason says exactly what is wrong, or the validation errors above.
Expected<CorsConfiguration, S3Error> parse_cors_json(std::string_view text,
                                                     std::size_t max_bytes = kMaxCorsDocumentBytes);
std::string cors_to_json(const CorsConfiguration& config);  // {"CORSRules":[...]}

// S3's <CORSConfiguration> document (GetBucketCors). Parse it back with
// parse_cors_configuration_xml (xml_requests.hpp).
std::string cors_to_xml(const CorsConfiguration& config);

bool cors_origin_matches(std::string_view pattern, std::string_view origin);
bool cors_header_matches(std::string_view pattern, std::string_view header);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct CorsRequest {
  std::string_view method = {};                          // the HTTP method
  std::optional<std::string_view> origin = {};           // Origin
  std::optional<std::string_view> request_method = {};   // Access-Control-Request-Method
  std::optional<std::string_view> request_headers = {};  // Access-Control-Request-Headers
  bool targets_object = false;  // a key in the path: refusals say ResourceType OBJECT
};

struct CorsDecision {
  bool allowed = false;
  std::optional<std::size_t> rule_index = {};  // the matching rule
  HeaderList headers = {};                     // to add to the response when allowed
  std::string reason = {};                     // why not, for logs
};

// OPTIONS. `config` is nullptr when the bucket has no CORS configuration;
// `bucket_exists` false answers S3's "Bucket not found" refusal.
Expected<CorsDecision, S3Error> evaluate_preflight(const CorsConfiguration* config,
                                                   bool bucket_exists, const CorsRequest& request);

// Any other method. Never an error: without Origin, without configuration or
// without a matching rule the request proceeds with no CORS headers.
CorsDecision evaluate_actual_request(const CorsConfiguration* config, const CorsRequest& request);

}  // namespace upgate::s3
