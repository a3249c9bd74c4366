// Writing and signing a browser form upload as boto3's generate_presigned_post does:
// the policy pins the bucket, the key (a starts-with of what precedes ${filename}),
// every extra field and the signature fields themselves; the form posts to the URL a
// presigned PUT for the bucket would use.
#include <algorithm>
#include <string>
#include <vector>

#include "policy_json.hpp"
#include "upgate/http_token.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/post_policy.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

using policy_json::quoted;

constexpr std::size_t kMaxKeyBytes = 1024;  // S3's limit on an object key

}  // namespace

Expected<PresignedPost, SignError> presign_post(const PresignPostRequest& request,
                                                const S3Endpoint& endpoint,
                                                const Credentials& credentials,
                                                std::string_view region, SigningKeyCache* cache) {
  const auto fail = [](std::string message) { return Unexpected(SignError{std::move(message)}); };
  if (auto problem = check_credentials(credentials, region)) return fail(problem->message);
  if (!endpoint.usable()) return fail("endpoint must have an http or https scheme and a host");
  if (request.bucket.empty()) return fail("the bucket is empty");
  if (!text::is_valid_utf8(request.bucket) || has_control_char(request.bucket)) {
    return fail("the bucket name is not printable UTF-8");
  }
  if (request.expires.count() < 1 || request.expires > kMaxPresignExpiry) {
    return fail("expires must be between 1 and 604800 seconds");
  }

  // The key field and the condition that pins it.
  std::string key_field(request.key);
  PolicyCondition key_condition;
  key_condition.field = "key";
  if (request.key_starts_with) {
    key_condition.kind = PolicyCondition::Kind::kStartsWith;
    key_condition.value.assign(*request.key_starts_with);
    if (key_field.empty()) key_field = key_condition.value + std::string(kFilenameVariable);
    if (!key_field.starts_with(key_condition.value)) {
      return fail("the key does not start with key_starts_with");
    }
  } else if (const std::size_t at = request.key.find(kFilenameVariable);
             at != std::string_view::npos) {
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
  if (!text::is_valid_utf8(key_field) || !text::is_valid_utf8(key_condition.value)) {
    return fail("the key is not UTF-8");
  }
  if (has_control_char(key_field)) return fail("the key holds a control character");

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
    const std::string name = text::lower(f.name);
    if (!is_http_token(f.name))
      return fail("form field name " + quoted(f.name) + " is not a token");
    if (reserved(name)) return fail("form field " + name + " is set by presign_post itself");
    if (std::find(extra_names.begin(), extra_names.end(), name) != extra_names.end()) {
      return fail("form field " + name + " is given twice");
    }
    if (!text::is_valid_utf8(f.value) || has_control_char(f.value)) {
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
    if (!is_http_token(c.field)) {
      return fail("condition field " + quoted(c.field) + " is not a token");
    }
    if (!text::is_valid_utf8(c.value)) return fail("condition on " + c.field + " is not UTF-8");
    const std::string field = text::lower(c.field);
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
    const std::size_t at = value.find(kFilenameVariable);
    if (at == std::string_view::npos) {
      add(PolicyCondition::Kind::kEquals, extra_names[i], std::string(value));
    } else {
      add(PolicyCondition::Kind::kStartsWith, extra_names[i], std::string(value.substr(0, at)));
    }
  }
  for (PolicyCondition c : request.conditions) {
    text::lower_in_place(c.field);
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
  if (out.policy_json.size() > kMaxPostPolicyBytes) {
    return fail("the policy document exceeds " + std::to_string(kMaxPostPolicyBytes) + " bytes");
  }
  std::string policy_base64 = base64_encode(out.policy_json);
  SigningKeyCache& keys = cache ? *cache : SigningKeyCache::global();
  const auto signing_key = keys.get(credentials.secret_access_key, view(scope_date), region, "s3");
  std::string signature = sign_policy(policy_base64, *signing_key);

  endpoint.append_url(out.url, request.bucket);
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

}  // namespace upgate::sigv4
