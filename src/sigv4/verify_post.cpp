// Checking a received browser form as S3's POST Object does: the signature over the
// policy as sent, then the policy's expiration and every condition against the
// form's fields.
//
// S3's behaviour followed here, from its documentation ("Browser-Based Uploads
// Using POST") and the error texts S3 answers with (as recorded by LocalStack's
// snapshot tests and MinIO):
// - The signature is hex(HMAC(kSigning, policy-as-sent-in-base64)); there is
//   no canonical request.
// - Form field names are case-insensitive; values are compared exactly.
// - starts-with "" accepts anything; for Content-Type every comma-separated
//   value must match. `bucket` is the bucket posted to, and needs a condition
//   like any field ("Extra input fields: bucket").
// - Every field except policy, x-amz-signature, file and x-ignore-* must be
//   named by a condition.
// - A field a condition names but the form lacks compares as "".
// - `${filename}` in any field is replaced by the posted file's name before
//   the policy is checked (substitute_filename).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "policy_json.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/post_policy.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

using policy_json::json_string;
using policy_json::quoted;

}  // namespace

std::vector<FormField> substitute_filename(std::span<const FormField> fields,
                                           std::string_view filename) {
  // Browsers may send a path ("C:\\Users\\me\\cat.jpg"); S3 keeps the last part.
  const std::size_t separator = filename.find_last_of("/\\");
  if (separator != std::string_view::npos) filename.remove_prefix(separator + 1);
  std::vector<FormField> out;
  out.reserve(fields.size());
  for (const FormField& f : fields) {
    FormField substituted{f.name, {}};
    std::string_view rest = f.value;
    for (std::size_t at; (at = rest.find(kFilenameVariable)) != std::string_view::npos;) {
      substituted.value.append(rest.substr(0, at)).append(filename);
      rest.remove_prefix(at + kFilenameVariable.size());
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

// A condition as S3's "Policy Condition failed" message prints it.
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
      if (!item.starts_with(c.value)) return false;
      if (comma == std::string_view::npos) return true;
      pos = comma + 1;
    }
  }
  return actual.starts_with(c.value);
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
    std::string name = text::lower(f.name);
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
    return Unexpected(auth_error(AuthErrorCode::kInvalidPolicyDocument,
                                 "Invalid Policy: the policy is not valid base64"));
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
           name.starts_with("x-ignore-");
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
