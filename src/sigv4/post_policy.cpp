// The POST policy document: writing it as boto3 does (compact JSON, conditions in the
// order given) and parsing it strictly, as S3 accepts it.
//
// S3's behaviour followed here, from its documentation ("Creating a POST
// Policy", "Browser-Based Uploads Using POST") and the error texts S3 answers
// with (as recorded by LocalStack's snapshot tests and MinIO):
// - Conditions: {"field": "value"} (exactly one property) is ["eq", "$field",
//   "value"]; ["starts-with", "$field", prefix]; ["content-length-range", min,
//   max] with integers or, as S3 also accepts, strings of digits. Field names
//   compare case-insensitively, so they are kept lower-case.
// Stricter than S3 where S3 is silent: duplicate JSON keys, unknown top-level
// keys, a second content-length-range, min > max, and starts-with on the
// fields S3 documents as exact-match only (bucket, x-amz-algorithm,
// x-amz-credential, x-amz-date, x-amz-security-token) make the policy invalid.
#include "upgate/sigv4/post_policy.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "policy_json.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

namespace json = boost::json;
using policy_json::append_json_string;
using policy_json::quoted;

constexpr std::size_t kMaxPolicyDepth = 3;  // policy object > conditions array > condition

constexpr std::string_view kInvalidPolicy = "Invalid Policy: ";

AuthError invalid_policy(std::string detail) {
  AuthError e;
  e.code = AuthErrorCode::kInvalidPolicyDocument;
  e.message = std::string(kInvalidPolicy) + detail;
  return e;
}

// A SAX pass that finds duplicate keys, which boost::json::parse would merge
// silently (the last one wins) where S3 and MinIO refuse the policy.
class DuplicateKeyFinder {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  std::optional<std::string> duplicate;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    keys_.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    auto& seen = keys_.back();
    if (!duplicate && std::find(seen.begin(), seen.end(), key_) != seen.end()) duplicate = key_;
    seen.push_back(std::move(key_));
    key_.clear();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::vector<std::vector<std::string>> keys_;
  std::string key_;
};

json::parse_options policy_parse_options() {
  json::parse_options options;
  options.max_depth = kMaxPolicyDepth;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;
  return options;
}

std::optional<std::uint64_t> length_bound(const json::value& v) {
  if (v.is_int64()) {
    if (v.get_int64() < 0) return std::nullopt;
    return static_cast<std::uint64_t>(v.get_int64());
  }
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_string()) {  // S3 also takes "1024"
    const json::string& s = v.get_string();
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t out = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

Expected<PolicyCondition, AuthError> parse_condition(const json::value& v, std::size_t index) {
  const std::string where = "condition " + std::to_string(index) + ": ";
  PolicyCondition c;
  if (v.is_object()) {
    const json::object& o = v.get_object();
    if (o.size() != 1) {
      return Unexpected(invalid_policy(
          "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."));
    }
    const auto& [name, value] = *o.begin();
    if (!value.is_string()) {
      return Unexpected(invalid_policy("Invalid Simple-Condition: value of " +
                                       quoted(std::string_view(name.data(), name.size())) +
                                       " must be a string."));
    }
    if (name.empty()) return Unexpected(invalid_policy(where + "empty field name"));
    c.kind = PolicyCondition::Kind::kEquals;
    c.field = text::lower(std::string_view(name.data(), name.size()));
    c.value.assign(value.get_string().data(), value.get_string().size());
    return c;
  }
  if (!v.is_array()) {
    return Unexpected(invalid_policy(where + "a condition must be an object or an array"));
  }
  const json::array& a = v.get_array();
  if (a.empty() || !a[0].is_string()) {
    return Unexpected(invalid_policy(where + "the first element must name the operation"));
  }
  const std::string op =
      text::lower(std::string_view(a[0].get_string().data(), a[0].get_string().size()));
  if (a.size() != 3) {
    return Unexpected(invalid_policy(where + quoted(op) + " takes exactly two arguments"));
  }
  if (op == "content-length-range") {
    const auto min = length_bound(a[1]);
    const auto max = length_bound(a[2]);
    if (!min || !max) {
      return Unexpected(
          invalid_policy(where + "content-length-range bounds must be non-negative integers"));
    }
    if (*min > *max) {
      return Unexpected(invalid_policy(where + "content-length-range minimum exceeds its maximum"));
    }
    c.kind = PolicyCondition::Kind::kContentLengthRange;
    c.min_length = *min;
    c.max_length = *max;
    return c;
  }
  if (op != "eq" && op != "starts-with") {
    return Unexpected(invalid_policy(where + "unknown operation " + quoted(op)));
  }
  if (!a[1].is_string() || !a[2].is_string()) {
    return Unexpected(invalid_policy(where + quoted(op) + " takes a field name and a string"));
  }
  const std::string_view field(a[1].get_string().data(), a[1].get_string().size());
  if (field.size() < 2 || field[0] != '$') {
    return Unexpected(
        invalid_policy(where + "the field name must start with '$': " + quoted(field)));
  }
  c.kind = op == "eq" ? PolicyCondition::Kind::kEquals : PolicyCondition::Kind::kStartsWith;
  c.field = text::lower(field.substr(1));
  c.value.assign(a[2].get_string().data(), a[2].get_string().size());
  if (c.kind == PolicyCondition::Kind::kStartsWith && exact_match_only(c.field)) {
    return Unexpected(invalid_policy(where + "$" + c.field + " only supports exact matching"));
  }
  return c;
}

}  // namespace

bool exact_match_only(std::string_view lower_field) {
  return lower_field == "bucket" || lower_field == "x-amz-algorithm" ||
         lower_field == "x-amz-credential" || lower_field == "x-amz-date" ||
         lower_field == "x-amz-security-token";
}

std::string PostPolicy::to_json() const {
  std::string out = "{\"expiration\":";
  append_json_string(out, format_iso8601(expiration));
  out.append(",\"conditions\":[");
  bool first = true;
  for (const PolicyCondition& c : conditions) {
    if (!first) out.push_back(',');
    first = false;
    switch (c.kind) {
      case PolicyCondition::Kind::kEquals:
        out.push_back('{');
        append_json_string(out, c.field);
        out.push_back(':');
        append_json_string(out, c.value);
        out.push_back('}');
        break;
      case PolicyCondition::Kind::kStartsWith:
        out.append("[\"starts-with\",");
        append_json_string(out, "$" + c.field);
        out.push_back(',');
        append_json_string(out, c.value);
        out.push_back(']');
        break;
      case PolicyCondition::Kind::kContentLengthRange:
        out.append("[\"content-length-range\",")
            .append(std::to_string(c.min_length))
            .append(",")
            .append(std::to_string(c.max_length))
            .append("]");
        break;
    }
  }
  out.append("]}");
  return out;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> PostPolicy::content_length_range() const {
  for (const PolicyCondition& c : conditions) {
    if (c.kind == PolicyCondition::Kind::kContentLengthRange) {
      return std::make_pair(c.min_length, c.max_length);
    }
  }
  return std::nullopt;
}

Expected<PostPolicy, AuthError> parse_post_policy(std::string_view document) {
  if (document.size() > kMaxPostPolicyBytes) {
    return Unexpected(invalid_policy("the policy document exceeds " +
                                     std::to_string(kMaxPostPolicyBytes) + " bytes"));
  }
  const json::parse_options options = policy_parse_options();

  json::error_code ec;
  json::value root =
      json::parse(json::string_view(document.data(), document.size()), ec, {}, options);
  if (ec) {
    if (ec == json::error::too_deep) {
      return Unexpected(invalid_policy("the policy document is nested too deeply"));
    }
    return Unexpected(
        invalid_policy("the policy document is not valid JSON (" + ec.message() + ")"));
  }
  {
    json::basic_parser<DuplicateKeyFinder> sax(options);
    sax.write_some(false, document.data(), document.size(), ec);
    if (ec) return Unexpected(invalid_policy("the policy document is not valid JSON"));
    if (sax.handler().duplicate) {
      return Unexpected(invalid_policy("duplicate key " + quoted(*sax.handler().duplicate)));
    }
  }
  if (!root.is_object()) return Unexpected(invalid_policy("the policy document must be an object"));
  const json::object& top = root.get_object();
  for (const auto& [name, value] : top) {
    if (name != "expiration" && name != "conditions") {
      return Unexpected(
          invalid_policy("unexpected field " + quoted(std::string_view(name.data(), name.size()))));
    }
  }

  PostPolicy policy;
  const json::value* expiration = top.if_contains("expiration");
  if (!expiration) return Unexpected(invalid_policy("Policy missing expiration."));
  if (!expiration->is_string()) {
    return Unexpected(invalid_policy("Invalid 'expiration' value: it must be a string."));
  }
  const std::string_view expiration_text(expiration->get_string().data(),
                                         expiration->get_string().size());
  const auto expires = parse_iso8601(expiration_text);
  if (!expires) {
    return Unexpected(invalid_policy("Invalid 'expiration' value: " + quoted(expiration_text) +
                                     " (expected ISO 8601, e.g. 2015-12-30T12:00:00.000Z)"));
  }
  policy.expiration = *expires;

  const json::value* conditions = top.if_contains("conditions");
  if (!conditions) return Unexpected(invalid_policy("Policy missing conditions."));
  if (!conditions->is_array()) {
    return Unexpected(invalid_policy("Invalid 'conditions' value: it must be an array."));
  }
  bool have_length_range = false;
  std::size_t index = 0;
  for (const json::value& v : conditions->get_array()) {
    auto c = parse_condition(v, index++);
    if (!c) return Unexpected(std::move(c).error());
    if (c->kind == PolicyCondition::Kind::kContentLengthRange) {
      if (have_length_range) {
        return Unexpected(invalid_policy("more than one content-length-range condition"));
      }
      have_length_range = true;
    }
    policy.conditions.push_back(std::move(*c));
  }
  return policy;
}

std::string sign_policy(std::string_view policy_base64, const SigningKey& key) {
  return key.sign(policy_base64);
}

}  // namespace upgate::sigv4
