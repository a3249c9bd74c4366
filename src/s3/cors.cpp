#include "upgate/s3/cors.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "upgate/s3/xml_writer.hpp"
#include "upgate/text.hpp"

namespace upgate::s3 {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 5> kCorsMethods = {"GET", "PUT", "POST", "DELETE", "HEAD"};
constexpr std::size_t kMaxRuleIdLength = 255;
constexpr std::size_t kMaxRequestedHeaders = 256;

using text::trim;

// Pattern with at most one '*' (any run, possibly empty); `fold` lowercases both sides.
bool wildcard_match(std::string_view pattern, std::string_view text, bool fold) {
  const auto equal = [fold](std::string_view a, std::string_view b) {
    return fold ? text::iequals(a, b) : a == b;
  };
  const auto star = pattern.find('*');
  if (star == std::string_view::npos) return equal(pattern, text);
  const std::string_view head = pattern.substr(0, star);
  const std::string_view tail = pattern.substr(star + 1);
  if (text.size() < head.size() + tail.size()) return false;
  return equal(head, text.substr(0, head.size())) &&
         equal(tail, text.substr(text.size() - tail.size()));
}

bool has_control_character(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

std::size_t count_stars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += c == '*';
  return n;
}

S3Error malformed(std::string why) {
  return make_error(ErrorCode::MalformedXML).because(std::move(why));
}

S3Error invalid_request(std::string message) {
  S3Error e = make_error(ErrorCode::InvalidRequest, message);
  e.reason = std::move(message);
  return e;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// The lowercased header names of an Access-Control-Request-Headers value;
// nullopt when there are absurdly many.
std::optional<std::vector<std::string>> requested_headers(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view item = trim(value.substr(0, comma));
    if (!item.empty()) {
      if (out.size() == kMaxRequestedHeaders) return std::nullopt;
      out.push_back(text::lower(item));
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

struct Match {
  std::optional<std::size_t> rule;
  std::vector<std::string> headers;  // the requested headers, lowercased
  std::string reason;
};

Match find_rule(const CorsConfiguration& config, const CorsRequest& request) {
  Match m;
  const std::string_view origin = request.origin.value_or("");
  const std::string_view method = request.request_method.value_or(request.method);
  if (request.request_headers) {
    auto headers = requested_headers(*request.request_headers);
    if (!headers) {
      m.reason = "too many headers in Access-Control-Request-Headers";
      return m;
    }
    m.headers = std::move(*headers);
  }
  std::string why_not;
  for (std::size_t i = 0; i < config.rules.size(); ++i) {
    const CorsRule& rule = config.rules[i];
    const auto prefix = "rule " + std::to_string(i + 1) + ": ";
    bool origin_ok = false;
    for (const auto& pattern : rule.allowed_origins) {
      origin_ok = origin_ok || cors_origin_matches(pattern, origin);
    }
    if (!origin_ok) {
      why_not += prefix + "origin '" + std::string(origin) + "' not allowed; ";
      continue;
    }
    bool method_ok = false;
    for (const auto& allowed : rule.allowed_methods) method_ok = method_ok || allowed == method;
    if (!method_ok) {
      why_not += prefix + "method '" + std::string(method) + "' not allowed; ";
      continue;
    }
    std::string missing;
    for (const auto& header : m.headers) {
      bool header_ok = false;
      for (const auto& pattern : rule.allowed_headers) {
        header_ok = header_ok || cors_header_matches(pattern, header);
      }
      if (!header_ok) {
        missing = header;
        break;
      }
    }
    if (!missing.empty()) {
      why_not += prefix + "header '" + missing + "' not allowed; ";
      continue;
    }
    m.rule = i;
    return m;
  }
  m.reason = config.rules.empty() ? "no CORS rules" : why_not;
  if (m.reason.size() >= 2 && m.reason.substr(m.reason.size() - 2) == "; ") {
    m.reason.resize(m.reason.size() - 2);
  }
  return m;
}

HeaderList response_headers(const CorsRule& rule, std::string_view origin,
                            const std::vector<std::string>& requested) {
  bool wildcard = false;
  for (const auto& o : rule.allowed_origins) wildcard = wildcard || o == "*";
  HeaderList h;
  h.emplace_back("Access-Control-Allow-Origin", wildcard ? "*" : std::string(origin));
  h.emplace_back("Access-Control-Allow-Methods", join(rule.allowed_methods));
  if (!requested.empty()) h.emplace_back("Access-Control-Allow-Headers", join(requested));
  if (!rule.expose_headers.empty()) {
    h.emplace_back("Access-Control-Expose-Headers", join(rule.expose_headers));
  }
  if (rule.max_age_seconds) {
    h.emplace_back("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
  }
  if (!wildcard) h.emplace_back("Access-Control-Allow-Credentials", "true");
  h.emplace_back("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  return h;
}

bool is_cors_method(std::string_view method) {
  for (auto known : kCorsMethods) {
    if (method == known) return true;
  }
  return false;
}

// S3 quotes the method it could not use ("null" when there was none). A value that is
// not short printable ASCII is not quoted: it would only make the error page an echo.
S3Error invalid_request_method(std::optional<std::string_view> method) {
  constexpr std::size_t kMaxQuoted = 64;
  std::string message = "Invalid Access-Control-Request-Method";
  if (!method) {
    message += ": null";
  } else if (method->size() <= kMaxQuoted &&
             std::all_of(method->begin(), method->end(), [](char c) {
               return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
             })) {
    message += ": " + std::string(*method);
  }
  return make_error(ErrorCode::BadRequest, std::move(message))
      .because(method ? "preflight for a method no CORS rule can name"
                      : "preflight without Access-Control-Request-Method");
}

S3Error cors_refusal(std::string message, const CorsRequest& request, const char* resource_type,
                     std::string why) {
  return make_error(ErrorCode::AccessForbidden, std::move(message))
      .with("Method", std::string(request.request_method.value_or("OPTIONS")))
      .with("ResourceType", resource_type)
      .because(std::move(why));
}

// JSON helpers: every failure names the path of the offending value.
Expected<std::vector<std::string>, S3Error> string_array(const json::value& v,
                                                         const std::string& path) {
  if (!v.is_array()) return Unexpected(malformed(path + " is not an array"));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.as_array().size(); ++i) {
    const json::value& item = v.as_array()[i];
    if (!item.is_string()) {
      return Unexpected(malformed(path + "[" + std::to_string(i) + "] is not a string"));
    }
    out.emplace_back(item.as_string().data(), item.as_string().size());
  }
  return out;
}

Expected<CorsRule, S3Error> rule_from_json(const json::value& v, const std::string& path) {
  if (!v.is_object()) return Unexpected(malformed(path + " is not an object"));
  CorsRule rule;
  for (const auto& [key, value] : v.as_object()) {
    const std::string field = path + "." + std::string(key);
    if (const CorsRuleList* list = find_cors_rule_list(&CorsRuleList::json_key, key)) {
      auto items = string_array(value, field);
      if (!items) return Unexpected(std::move(items).error());
      rule.*(list->values) = std::move(*items);
    } else if (key == "MaxAgeSeconds") {
      if (value.is_int64()) {
        rule.max_age_seconds = value.as_int64();
      } else if (value.is_uint64() && value.as_uint64() <= INT64_MAX) {
        rule.max_age_seconds = static_cast<std::int64_t>(value.as_uint64());
      } else {
        return Unexpected(malformed(field + " is not an integer"));
      }
    } else if (key == "ID") {
      if (!value.is_string()) return Unexpected(malformed(field + " is not a string"));
      rule.id.assign(value.as_string().data(), value.as_string().size());
    } else {
      return Unexpected(malformed(path + " has an unknown key '" + std::string(key) + "'"));
    }
  }
  return rule;
}

void write_string_array(json::object& o, std::string_view key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  json::array a;
  for (const auto& s : v) a.emplace_back(json::string(s));
  o[key] = std::move(a);
}

}  // namespace

bool cors_origin_matches(std::string_view pattern, std::string_view origin) {
  return wildcard_match(pattern, origin, /*fold=*/false);
}

bool cors_header_matches(std::string_view pattern, std::string_view header) {
  return wildcard_match(pattern, header, /*fold=*/true);
}

Expected<void, S3Error> validate_cors_configuration(const CorsConfiguration& config) {
  if (config.rules.empty()) return Unexpected(malformed("a CORS configuration needs a CORSRule"));
  if (config.rules.size() > kMaxCorsRules) {
    return Unexpected(
        malformed("more than 100 CORS rules (" + std::to_string(config.rules.size()) + ")"));
  }
  for (std::size_t i = 0; i < config.rules.size(); ++i) {
    const CorsRule& rule = config.rules[i];
    const std::string where = "CORSRule " + std::to_string(i + 1) + ": ";
    if (rule.allowed_origins.empty()) return Unexpected(malformed(where + "no AllowedOrigin"));
    if (rule.allowed_methods.empty()) return Unexpected(malformed(where + "no AllowedMethod"));
    if (rule.id.size() > kMaxRuleIdLength) {
      return Unexpected(malformed(where + "ID is longer than 255 characters"));
    }
    if (rule.max_age_seconds && *rule.max_age_seconds < 0) {
      return Unexpected(malformed(where + "MaxAgeSeconds is negative"));
    }
    for (const auto& m : rule.allowed_methods) {
      bool known = false;
      for (auto k : kCorsMethods) known = known || m == k;
      if (!known) {
        return Unexpected(invalid_request(
            "Found unsupported HTTP method in CORS config. Unsupported method is " + m));
      }
    }
    for (const auto& o : rule.allowed_origins) {
      if (count_stars(o) > 1) {
        return Unexpected(
            invalid_request("AllowedOrigin \"" + o + "\" can not have more than one wildcard."));
      }
    }
    for (const auto& h : rule.allowed_headers) {
      if (count_stars(h) > 1) {
        return Unexpected(
            invalid_request("AllowedHeader \"" + h + "\" can not have more than one wildcard."));
      }
    }
    for (const auto* list : {&rule.allowed_origins, &rule.allowed_methods, &rule.allowed_headers,
                             &rule.expose_headers}) {
      for (const auto& value : *list) {
        if (has_control_character(value)) {
          return Unexpected(malformed(where + "a value holds a control character"));
        }
      }
    }
    if (has_control_character(rule.id)) {
      return Unexpected(malformed(where + "ID holds a control character"));
    }
  }
  return {};
}

Expected<CorsConfiguration, S3Error> parse_cors_json(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Unexpected(make_error(ErrorCode::MaxMessageLengthExceeded)
                          .because("CORS JSON is " + std::to_string(text.size()) +
                                   " bytes, limit " + std::to_string(max_bytes)));
  }
  json::parse_options options;
  options.max_depth = 8;  // the format nests three deep
  boost::system::error_code ec;
  const json::value doc = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec) return Unexpected(malformed("CORS JSON does not parse: " + ec.message()));

  const json::value* rules = &doc;
  std::string path = "$";
  if (doc.is_object()) {
    const json::object& o = doc.as_object();
    if (o.size() != 1 || !o.contains("CORSRules")) {
      return Unexpected(malformed("CORS JSON object must have exactly the key CORSRules"));
    }
    rules = &o.at("CORSRules");
    path = "$.CORSRules";
  }
  if (!rules->is_array()) return Unexpected(malformed(path + " is not an array"));
  CorsConfiguration config;
  const json::array& a = rules->as_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto rule = rule_from_json(a[i], path + "[" + std::to_string(i) + "]");
    if (!rule) return Unexpected(std::move(rule).error());
    config.rules.push_back(std::move(*rule));
  }
  if (auto ok = validate_cors_configuration(config); !ok) return Unexpected(std::move(ok).error());
  return config;
}

std::string cors_to_json(const CorsConfiguration& config) {
  json::array rules;
  for (const CorsRule& r : config.rules) {
    json::object o;
    if (!r.id.empty()) o["ID"] = r.id;
    for (const CorsRuleList& list : kCorsRuleLists) {
      write_string_array(o, list.json_key, r.*(list.values));
    }
    if (r.max_age_seconds) o["MaxAgeSeconds"] = *r.max_age_seconds;
    rules.emplace_back(std::move(o));
  }
  json::object root;
  root["CORSRules"] = std::move(rules);
  return json::serialize(root);
}

std::string cors_to_xml(const CorsConfiguration& config) {
  return xml_document("CORSConfiguration", kS3XmlNamespace, [&](XmlWriter& w) {
    for (const CorsRule& r : config.rules) {
      w.open("CORSRule");
      if (!r.id.empty()) w.element("ID", r.id);
      for (const auto& v : r.allowed_origins) w.element("AllowedOrigin", v);
      for (const auto& v : r.allowed_methods) w.element("AllowedMethod", v);
      for (const auto& v : r.allowed_headers) w.element("AllowedHeader", v);
      if (r.max_age_seconds) w.element("MaxAgeSeconds", std::to_string(*r.max_age_seconds));
      for (const auto& v : r.expose_headers) w.element("ExposeHeader", v);
      w.close();
    }
  });
}

Expected<CorsDecision, S3Error> evaluate_preflight(const CorsConfiguration* config,
                                                   bool bucket_exists, const CorsRequest& request) {
  if (!request.origin) {
    return Unexpected(
        make_error(ErrorCode::BadRequest, "Insufficient information. Origin request header needed.")
            .because("preflight without Origin"));
  }
  if (!bucket_exists) {
    return Unexpected(cors_refusal("CORSResponse: Bucket not found", request, "BUCKET",
                                   "preflight for a bucket that does not exist"));
  }
  if (config == nullptr) {
    return Unexpected(cors_refusal("CORSResponse: CORS is not enabled for this bucket.", request,
                                   "BUCKET", "bucket has no CORS configuration"));
  }
  // Only now, as S3 orders it: without a configuration the answer above wins.
  if (!request.request_method || !is_cors_method(*request.request_method)) {
    return Unexpected(invalid_request_method(request.request_method));
  }
  Match m = find_rule(*config, request);
  if (!m.rule) {
    return Unexpected(
        cors_refusal(std::string(error_info(ErrorCode::AccessForbidden).default_message), request,
                     request.targets_object ? "OBJECT" : "BUCKET", std::move(m.reason)));
  }
  CorsDecision d;
  d.allowed = true;
  d.rule_index = m.rule;
  d.headers = response_headers(config->rules[*m.rule], *request.origin, m.headers);
  return d;
}

CorsDecision evaluate_actual_request(const CorsConfiguration* config, const CorsRequest& request) {
  CorsDecision d;
  if (!request.origin) {
    d.reason = "no Origin: not a cross-origin request";
    return d;
  }
  if (config == nullptr) {
    d.reason = "bucket has no CORS configuration";
    return d;
  }
  Match m = find_rule(*config, request);
  if (!m.rule) {
    d.reason = std::move(m.reason);
    return d;
  }
  d.allowed = true;
  d.rule_index = m.rule;
  d.headers = response_headers(config->rules[*m.rule], *request.origin, m.headers);
  return d;
}

}  // namespace upgate::s3
