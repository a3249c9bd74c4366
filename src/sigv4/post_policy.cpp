// S3 POST policies: writing and signing them (what boto3's
// generate_presigned_post does), parsing them strictly, and checking a
// received form against one the way S3 does.
//
// S3's behaviour followed here, from its documentation ("Creating a POST
// Policy", "Browser-Based Uploads Using POST") and the error texts S3 answers
// with (as recorded by LocalStack's snapshot tests and MinIO):
// - The signature is hex(HMAC(kSigning, policy-as-sent-in-base64)); there is
//   no canonical request.
// - Form field names are case-insensitive; values are compared exactly.
// - Conditions: {"field": "value"} (exactly one property) is ["eq", "$field",
//   "value"]; ["starts-with", "$field", prefix] ("" accepts anything; for
//   Content-Type every comma-separated value must match);
//   ["content-length-range", min, max] with integers or, as S3 also accepts,
//   strings of digits. `bucket` is the bucket posted to, and needs a condition
//   like any field ("Extra input fields: bucket").
// - Every field except policy, x-amz-signature, file and x-ignore-* must be
//   named by a condition.
// - A field a condition names but the form lacks compares as "".
// - `${filename}` in any field is replaced by the posted file's name before
//   the policy is checked (substitute_filename), so presign_post pins a field
//   holding it with a starts-with of what precedes it, as boto3 does for key.
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
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/signer.hpp"
#include "upgate/sigv4/uri_encoding.hpp"

namespace upgate::sigv4 {

namespace {

namespace json = boost::json;

constexpr std::size_t kMaxPolicyBytes = 20 * 1024;  // S3's limit on the POST form data
constexpr std::size_t kMaxKeyBytes = 1024;          // S3's limit on an object key
constexpr std::size_t kMaxPolicyDepth = 3;          // policy object > conditions array > condition

constexpr std::string_view kInvalidPolicy = "Invalid Policy: ";

// ---------------------------------------------------------------------------
// Text helpers

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (u < 0x20) {
          out.append("\\u00").push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// A bounded, JSON-quoted echo of a policy value for error messages.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 64;
  if (s.size() <= kMax) return json_string(s);
  return json_string(s.substr(0, kMax)) + "...";
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
  });
}

// Fields S3 compares exactly; a starts-with on them is refused.
bool exact_match_only(std::string_view field) {
  return field == "bucket" || field == "x-amz-algorithm" || field == "x-amz-credential" ||
         field == "x-amz-date" || field == "x-amz-security-token";
}

std::string condition_text(const PolicyCondition& c) {
  switch (c.kind) {
    case PolicyCondition::Kind::kEquals:
      return "[\"eq\", " + json_string("$" + c.field) + ", " + json_string(c.value) + "]";
    case PolicyCondition::Kind::kStartsWith:
      return "[\"starts-with\", " + json_string("$" + c.field) + ", " + json_string(c.value) + "]";
    case PolicyCondition::Kind::kContentLengthRange:
      return "[\"content-length-range\", " + std::to_string(c.min_length) + ", " +
             std::to_string(c.max_length) + "]";
  }
  return {};
}

// ---------------------------------------------------------------------------
// Parsing

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
    c.field = lower(std::string_view(name.data(), name.size()));
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
      lower(std::string_view(a[0].get_string().data(), a[0].get_string().size()));
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
  c.field = lower(field.substr(1));
  c.value.assign(a[2].get_string().data(), a[2].get_string().size());
  if (c.kind == PolicyCondition::Kind::kStartsWith && exact_match_only(c.field)) {
    return Unexpected(invalid_policy(where + "$" + c.field + " only supports exact matching"));
  }
  return c;
}

// ---------------------------------------------------------------------------
// Presigning

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool looks_like_ipv4(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

// The addressing rule of presign() (presign.cpp), so a form posts to the same
// URL a presigned PUT for the bucket would use: virtual-hosted only where the
// bucket can be a DNS label (for TLS, a single one the wildcard certificate
// covers) and the endpoint is a name, not an IP literal.
bool virtual_hosted(const S3Endpoint& endpoint, std::string_view b) {
  if (endpoint.path_style) return false;
  if (!endpoint.host.empty() && (endpoint.host.front() == '[' || looks_like_ipv4(endpoint.host))) {
    return false;
  }
  if (b.size() < 3 || b.size() > 63 || !is_alnum(b.front()) || !is_alnum(b.back())) return false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const char c = b[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
    if (c == '.' && (endpoint.scheme == "https" || b[i + 1] == '.' || b[i + 1] == '-')) {
      return false;
    }
    if (c == '-' && b[i + 1] == '.') return false;
  }
  return !looks_like_ipv4(b);
}

std::string bucket_url(const S3Endpoint& endpoint, std::string_view bucket) {
  const bool virtual_host = virtual_hosted(endpoint, bucket);
  std::string url = endpoint.scheme + "://";
  if (virtual_host) url.append(bucket).push_back('.');
  url.append(endpoint.host);
  if (endpoint.port != 0) url.append(":").append(std::to_string(endpoint.port));
  url.push_back('/');
  if (!virtual_host) append_uri_encoded(url, bucket, true);
  return url;
}

}  // namespace

// ---------------------------------------------------------------------------
// PostPolicy

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

Expected<PostPolicy, AuthError> parse_post_policy(std::string_view text) {
  if (text.size() > kMaxPolicyBytes) {
    return Unexpected(invalid_policy("the policy document exceeds " +
                                     std::to_string(kMaxPolicyBytes) + " bytes"));
  }
  const json::parse_options options = policy_parse_options();

  json::error_code ec;
  json::value root = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec) {
    if (ec == json::error::too_deep) {
      return Unexpected(invalid_policy("the policy document is nested too deeply"));
    }
    return Unexpected(
        invalid_policy("the policy document is not valid JSON (" + ec.message() + ")"));
  }
  {
    json::basic_parser<DuplicateKeyFinder> sax(options);
    sax.write_some(false, text.data(), text.size(), ec);
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

// ---------------------------------------------------------------------------
// Presigning a POST

std::string sign_policy(std::string_view policy_base64, const SigningKey& key) {
  return key.sign(policy_base64);
}

Expected<PresignedPost, SignError> presign_post(const PresignPostRequest& request,
                                                const S3Endpoint& endpoint,
                                                const Credentials& credentials,
                                                std::string_view region, SigningKeyCache* cache) {
  const auto fail = [](std::string message) { return Unexpected(SignError{std::move(message)}); };
  if (!credentials.valid()) return fail("credentials are missing an access key id or secret");
  if (credentials.access_key_id.size() > 128 ||
      !std::all_of(credentials.access_key_id.begin(), credentials.access_key_id.end(),
                   [](char c) { return c > 0x20 && c < 0x7f && c != '/'; })) {
    return fail("access key id holds characters a credential cannot carry");
  }
  if (region.empty() || region.size() > 128 ||
      !std::all_of(region.begin(), region.end(),
                   [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; })) {
    return fail("region missing or malformed");
  }
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return fail("endpoint scheme must be http or https");
  }
  if (endpoint.host.empty()) return fail("endpoint host missing");
  if (request.bucket.empty()) return fail("the bucket is empty");
  if (!valid_utf8(request.bucket) || has_control(request.bucket)) {
    return fail("the bucket name is not printable UTF-8");
  }
  if (request.expires.count() < 1 || request.expires > kMaxPresignExpiry) {
    return fail("expires must be between 1 and 604800 seconds");
  }

  // The key field and the condition that pins it.
  constexpr std::string_view kFilename = "${filename}";
  std::string key_field(request.key);
  PolicyCondition key_condition;
  key_condition.field = "key";
  if (request.key_starts_with) {
    key_condition.kind = PolicyCondition::Kind::kStartsWith;
    key_condition.value.assign(*request.key_starts_with);
    if (key_field.empty()) key_field = key_condition.value + std::string(kFilename);
    if (!starts_with(key_field, key_condition.value)) {
      return fail("the key does not start with key_starts_with");
    }
  } else if (const std::size_t at = request.key.find(kFilename); at != std::string_view::npos) {
    // As boto3 does for a key ending in ${filename}: S3 substitutes the
    // file's name before checking the policy, so only what precedes the
    // variable can be pinned.
    key_condition.kind = PolicyCondition::Kind::kStartsWith;
    key_condition.value.assign(request.key.substr(0, at));
  } else {
    key_condition.kind = PolicyCondition::Kind::kEquals;
    key_condition.value.assign(request.key);
  }
  if (key_field.empty()) return fail("the key is empty");
  if (key_field.size() > kMaxKeyBytes) {
    return fail("the key is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  if (!valid_utf8(key_field) || !valid_utf8(key_condition.value))
    return fail("the key is not UTF-8");
  if (has_control(key_field)) return fail("the key holds a control character");

  if (request.content_length_range &&
      request.content_length_range->first > request.content_length_range->second) {
    return fail("content_length_range minimum exceeds its maximum");
  }

  // Names the signer adds itself, which an extra field or condition may not redefine.
  static constexpr std::string_view kReserved[] = {"key",
                                                   "bucket",
                                                   "policy",
                                                   "file",
                                                   "x-amz-signature",
                                                   "x-amz-algorithm",
                                                   "x-amz-credential",
                                                   "x-amz-date",
                                                   "x-amz-security-token"};
  const auto reserved = [](std::string_view name) {
    return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
  };
  std::vector<std::string> extra_names;
  for (const FormField& f : request.fields) {
    const std::string name = lower(f.name);
    if (!is_token(f.name)) return fail("form field name " + quoted(f.name) + " is not a token");
    if (reserved(name)) return fail("form field " + name + " is set by presign_post itself");
    if (std::find(extra_names.begin(), extra_names.end(), name) != extra_names.end()) {
      return fail("form field " + name + " is given twice");
    }
    if (!valid_utf8(f.value) || has_control(f.value)) {
      return fail("the value of form field " + name + " is not printable UTF-8");
    }
    extra_names.push_back(name);
  }
  bool length_range_given = request.content_length_range.has_value();
  for (const PolicyCondition& c : request.conditions) {
    if (c.kind == PolicyCondition::Kind::kContentLengthRange) {
      if (length_range_given) return fail("more than one content-length-range condition");
      if (c.min_length > c.max_length)
        return fail("content-length-range minimum exceeds its maximum");
      length_range_given = true;
      continue;
    }
    if (!is_token(c.field)) return fail("condition field " + quoted(c.field) + " is not a token");
    if (!valid_utf8(c.value)) return fail("condition on " + c.field + " is not UTF-8");
    const std::string field = lower(c.field);
    if (c.kind == PolicyCondition::Kind::kStartsWith && exact_match_only(field)) {
      return fail("$" + field + " only supports exact matching");
    }
    if (field != "key" && field != "bucket" && reserved(field)) {
      return fail("a condition on " + field + " is added by presign_post itself");
    }
  }

  const auto amz_date = format_amz_date(request.time);
  const auto scope_date = format_scope_date(request.time);
  const std::string credential = credentials.access_key_id + "/" + std::string(view(scope_date)) +
                                 "/" + std::string(region) + "/s3/aws4_request";

  PostPolicy policy;
  policy.expiration = request.time + request.expires;
  const auto add = [&policy](PolicyCondition::Kind kind, std::string field, std::string value) {
    PolicyCondition c;
    c.kind = kind;
    c.field = std::move(field);
    c.value = std::move(value);
    policy.conditions.push_back(std::move(c));
  };
  add(PolicyCondition::Kind::kEquals, "bucket", std::string(request.bucket));
  policy.conditions.push_back(key_condition);
  if (request.content_length_range) {
    PolicyCondition c;
    c.kind = PolicyCondition::Kind::kContentLengthRange;
    c.min_length = request.content_length_range->first;
    c.max_length = request.content_length_range->second;
    policy.conditions.push_back(c);
  }
  for (std::size_t i = 0; i < request.fields.size(); ++i) {
    const std::string_view value = request.fields[i].value;
    const std::size_t at = value.find(kFilename);
    if (at == std::string_view::npos) {
      add(PolicyCondition::Kind::kEquals, extra_names[i], std::string(value));
    } else {
      add(PolicyCondition::Kind::kStartsWith, extra_names[i], std::string(value.substr(0, at)));
    }
  }
  for (PolicyCondition c : request.conditions) {
    c.field = lower(c.field);
    policy.conditions.push_back(std::move(c));
  }
  add(PolicyCondition::Kind::kEquals, "x-amz-algorithm", std::string(kAlgorithm));
  add(PolicyCondition::Kind::kEquals, "x-amz-credential", credential);
  add(PolicyCondition::Kind::kEquals, "x-amz-date", std::string(view(amz_date)));
  if (!credentials.session_token.empty()) {
    add(PolicyCondition::Kind::kEquals, "x-amz-security-token", credentials.session_token);
  }

  PresignedPost out;
  out.policy_json = policy.to_json();
  if (out.policy_json.size() > kMaxPolicyBytes) {
    return fail("the policy document exceeds " + std::to_string(kMaxPolicyBytes) + " bytes");
  }
  std::string policy_base64 = base64_encode(out.policy_json);
  SigningKeyCache& keys = cache ? *cache : SigningKeyCache::global();
  const auto signing_key = keys.get(credentials.secret_access_key, view(scope_date), region, "s3");
  std::string signature = sign_policy(policy_base64, *signing_key);

  out.url = bucket_url(endpoint, request.bucket);
  out.expires_at = policy.expiration;
  out.fields.reserve(7 + request.fields.size());
  out.fields.push_back({"key", std::move(key_field)});
  out.fields.push_back({"x-amz-algorithm", std::string(kAlgorithm)});
  out.fields.push_back({"x-amz-credential", credential});
  out.fields.push_back({"x-amz-date", std::string(view(amz_date))});
  if (!credentials.session_token.empty()) {
    out.fields.push_back({"x-amz-security-token", credentials.session_token});
  }
  out.fields.push_back({"policy", std::move(policy_base64)});
  out.fields.push_back({"x-amz-signature", std::move(signature)});
  for (const FormField& f : request.fields) out.fields.push_back(f);
  return out;
}

// ---------------------------------------------------------------------------
// Verifying a received form

std::vector<FormField> substitute_filename(std::span<const FormField> fields,
                                           std::string_view filename) {
  constexpr std::string_view kVariable = "${filename}";
  // Browsers may send a path ("C:\\Users\\me\\cat.jpg"); S3 keeps the last part.
  const std::size_t separator = filename.find_last_of("/\\");
  if (separator != std::string_view::npos) filename.remove_prefix(separator + 1);
  std::vector<FormField> out;
  out.reserve(fields.size());
  for (const FormField& f : fields) {
    FormField substituted{f.name, {}};
    std::string_view rest = f.value;
    for (std::size_t at; (at = rest.find(kVariable)) != std::string_view::npos;) {
      substituted.value.append(rest.substr(0, at)).append(filename);
      rest.remove_prefix(at + kVariable.size());
    }
    substituted.value.append(rest);
    out.push_back(std::move(substituted));
  }
  return out;
}

namespace {

AuthError auth_error(AuthErrorCode code, std::string message) {
  AuthError e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

// S3's text for a signature field that is missing while others are present.
AuthError missing_field(std::string_view display_name) {
  return auth_error(AuthErrorCode::kInvalidArgument,
                    "Bucket POST must contain a field named '" + std::string(display_name) +
                        "'.  If it is specified, please check the order of the fields.");
}

AuthError credential_error(std::string detail) {
  return auth_error(AuthErrorCode::kInvalidArgument,
                    "Error parsing the X-Amz-Credential parameter; " + std::move(detail));
}

struct Form {
  struct Field {
    std::string name;  // lower-case
    std::string_view value;
    bool covered = false;
  };
  std::vector<Field> fields;  // in the order received

  Field* find(std::string_view lower_name) {
    for (Field& f : fields) {
      if (f.name == lower_name) return &f;
    }
    return nullptr;
  }
};

bool condition_holds(const PolicyCondition& c, std::string_view actual) {
  if (c.kind == PolicyCondition::Kind::kEquals) return actual == c.value;
  if (c.field == "content-type") {
    // S3: each value of a comma-separated Content-Type must match.
    std::size_t pos = 0;
    for (;;) {
      const std::size_t comma = actual.find(',', pos);
      std::string_view item =
          actual.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      if (!starts_with(item, c.value)) return false;
      if (comma == std::string_view::npos) return true;
      pos = comma + 1;
    }
  }
  return starts_with(actual, c.value);
}

}  // namespace

Expected<VerifiedPost, AuthError> verify_post(std::span<const FormField> fields,
                                              std::string_view bucket, Timestamp now,
                                              std::string_view region,
                                              const CredentialsLookup& lookup,
                                              SigningKeyCache* cache) {
  Form form;
  form.fields.reserve(fields.size());
  for (const FormField& f : fields) {
    std::string name = lower(f.name);
    if (form.find(name)) {
      return Unexpected(
          auth_error(AuthErrorCode::kInvalidArgument,
                     "Bucket POST form field " + quoted(name) + " appears more than once"));
    }
    form.fields.push_back({std::move(name), f.value, false});
  }
  const auto value_of = [&form](std::string_view name) -> std::optional<std::string_view> {
    const Form::Field* f = form.find(name);
    if (!f) return std::nullopt;
    return f->value;
  };

  if (!value_of("key")) return Unexpected(missing_field("key"));
  const auto policy_base64 = value_of("policy");
  if (!policy_base64) {
    // An unsigned POST: only a bucket open to anonymous writes would take it.
    return Unexpected(auth_error(AuthErrorCode::kAccessDenied, "Access Denied"));
  }

  static constexpr std::pair<std::string_view, std::string_view> kV4Fields[] = {
      {"x-amz-signature", "X-Amz-Signature"},
      {"x-amz-algorithm", "X-Amz-Algorithm"},
      {"x-amz-credential", "X-Amz-Credential"},
      {"x-amz-date", "X-Amz-Date"},
  };
  const bool any_v4 = std::any_of(std::begin(kV4Fields), std::end(kV4Fields),
                                  [&](const auto& f) { return value_of(f.first).has_value(); });
  if (!any_v4) {
    if (value_of("signature") || value_of("awsaccesskeyid")) {
      return Unexpected(auth_error(AuthErrorCode::kInvalidRequest,
                                   "The authorization mechanism you have provided is not "
                                   "supported. Please use AWS4-HMAC-SHA256."));
    }
    return Unexpected(auth_error(AuthErrorCode::kAccessDenied, "Access Denied"));
  }
  for (const auto& [name, display] : kV4Fields) {
    if (!value_of(name)) return Unexpected(missing_field(display));
  }
  const std::string_view signature = *value_of("x-amz-signature");
  const std::string_view algorithm = *value_of("x-amz-algorithm");
  const std::string_view credential = *value_of("x-amz-credential");
  const std::string_view amz_date = *value_of("x-amz-date");

  if (algorithm != kAlgorithm) {
    return Unexpected(auth_error(AuthErrorCode::kInvalidArgument,
                                 "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""));
  }

  // <access key id>/<YYYYMMDD>/<region>/s3/aws4_request
  std::string_view parts[5];
  {
    std::string_view rest = credential;
    for (int i = 0; i < 5; ++i) {
      const std::size_t slash = rest.find('/');
      if ((slash == std::string_view::npos) != (i == 4)) {
        return Unexpected(
            credential_error("the Credential is mal-formed; expecting "
                             "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."));
      }
      parts[i] = rest.substr(0, slash);
      if (slash != std::string_view::npos) rest.remove_prefix(slash + 1);
    }
  }
  const std::string_view access_key_id = parts[0];
  if (access_key_id.empty() || parts[1].size() != 8 ||
      !parse_amz_date(std::string(parts[1]) + "T000000Z")) {
    return Unexpected(
        credential_error("the Credential is mal-formed; expecting "
                         "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."));
  }
  if (parts[2] != region) {
    return Unexpected(credential_error("the region " + quoted(parts[2]) + " is wrong; expecting " +
                                       quoted(region)));
  }
  if (parts[3] != "s3") {
    return Unexpected(credential_error("incorrect service " + quoted(parts[3]) +
                                       ". This endpoint belongs to \"s3\"."));
  }
  if (parts[4] != "aws4_request") {
    return Unexpected(credential_error("incorrect terminal " + quoted(parts[4]) +
                                       ". This endpoint uses \"aws4_request\"."));
  }
  if (!parse_amz_date(amz_date)) {
    return Unexpected(auth_error(AuthErrorCode::kInvalidArgument,
                                 "X-Amz-Date must be in the ISO8601 Long Format "
                                 "\"yyyyMMdd'T'HHmmss'Z'\""));
  }
  if (amz_date.substr(0, 8) != parts[1]) {
    return Unexpected(credential_error("the date " + quoted(parts[1]) +
                                       " does not match X-Amz-Date " + quoted(amz_date)));
  }

  const std::optional<Credentials> credentials = lookup(access_key_id);
  if (!credentials) {
    AuthError e = auth_error(AuthErrorCode::kInvalidAccessKeyId,
                             "The AWS Access Key Id you provided does not exist in our records.");
    e.access_key_id.assign(access_key_id);
    return Unexpected(std::move(e));
  }
  const auto token = value_of("x-amz-security-token");
  if (credentials->session_token.empty()
          ? token.has_value()
          : !token || !constant_time_equal(*token, credentials->session_token)) {
    return Unexpected(auth_error(AuthErrorCode::kInvalidToken,
                                 "The provided token is malformed or otherwise invalid."));
  }

  SigningKeyCache& keys = cache ? *cache : SigningKeyCache::global();
  const auto signing_key = keys.get(credentials->secret_access_key, parts[1], region, "s3");
  if (!constant_time_equal(sign_policy(*policy_base64, *signing_key), signature)) {
    AuthError e = auth_error(AuthErrorCode::kSignatureDoesNotMatch,
                             "The request signature we calculated does not match the signature "
                             "you provided. Check your key and signing method.");
    e.access_key_id.assign(access_key_id);
    e.string_to_sign.assign(*policy_base64);
    e.signature_provided.assign(signature);
    return Unexpected(std::move(e));
  }

  std::string policy_json;
  if (!base64_decode(*policy_base64, policy_json)) {
    return Unexpected(invalid_policy("the policy is not valid base64"));
  }
  auto policy = parse_post_policy(policy_json);
  if (!policy) return Unexpected(std::move(policy).error());

  if (now >= policy->expiration) {
    return Unexpected(
        auth_error(AuthErrorCode::kAccessDenied, "Invalid according to Policy: Policy expired."));
  }

  bool bucket_covered = false;
  for (const PolicyCondition& c : policy->conditions) {
    if (c.kind == PolicyCondition::Kind::kContentLengthRange) continue;
    std::string_view actual;
    if (c.field == "bucket") {
      actual = bucket;
      bucket_covered = true;
    } else if (Form::Field* f = form.find(c.field)) {
      actual = f->value;
    }
    if (Form::Field* f = form.find(c.field)) f->covered = true;
    if (!condition_holds(c, actual)) {
      return Unexpected(
          auth_error(AuthErrorCode::kAccessDenied,
                     "Invalid according to Policy: Policy Condition failed: " + condition_text(c)));
    }
  }

  // Every field must be named by a condition, except these.
  const auto exempt = [](std::string_view name) {
    return name == "policy" || name == "x-amz-signature" || name == "file" ||
           starts_with(name, "x-ignore-");
  };
  for (const Form::Field& f : form.fields) {
    if (!f.covered && !exempt(f.name)) {
      return Unexpected(auth_error(AuthErrorCode::kAccessDenied,
                                   "Invalid according to Policy: Extra input fields: " + f.name));
    }
  }
  if (!bucket_covered) {
    return Unexpected(auth_error(AuthErrorCode::kAccessDenied,
                                 "Invalid according to Policy: Extra input fields: bucket"));
  }

  VerifiedPost out;
  out.policy = std::move(*policy);
  out.access_key_id.assign(access_key_id);
  return out;
}

}  // namespace upgate::sigv4
