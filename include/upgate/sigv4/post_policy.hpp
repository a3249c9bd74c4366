// Browser form uploads (S3 POST Object) signed with a policy.
//
// The server writes a policy document (an expiration and conditions on the
// form fields), base64-encodes it, and signs the base64 text itself with the
// day's signing key; there is no canonical request. The browser posts the
// returned fields plus `file` as multipart/form-data. The store checks the
// signature over the policy, then every condition against the form, and the
// file's size against content-length-range as it streams.
//
// Three parts, one job each: the policy document (its JSON both ways,
// post_policy.cpp), writing and signing a form as boto3's generate_presigned_post
// does (presign_post, presign_post.cpp), and checking a received form as S3 does
// (verify_post, verify_post.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/auth_error.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/s3_endpoint.hpp"
#include "upgate/sigv4/signer.hpp"
#include "upgate/sigv4/signing_key.hpp"
#include "upgate/sigv4/verify.hpp"

namespace upgate::sigv4 {

// ---------------------------------------------------------------------------
// The policy document

// S3's limit on a POST form's data, which bounds the policy document too.
inline constexpr std::size_t kMaxPostPolicyBytes = 20 * 1024;

// The variable S3 replaces with the posted file's name in every form field.
inline constexpr std::string_view kFilenameVariable = "${filename}";

struct PolicyCondition {
  enum class Kind { kEquals, kStartsWith, kContentLengthRange };
  Kind kind = Kind::kEquals;
  std::string field;  // lower-case, without `$` ("key", "content-type", "x-amz-meta-foo")
  std::string value;  // kEquals: the value; kStartsWith: the prefix ("" = anything)
  std::uint64_t min_length = 0;  // kContentLengthRange only
  std::uint64_t max_length = 0;
};

struct PostPolicy {
  Timestamp expiration;
  std::vector<PolicyCondition> conditions;

  std::string to_json() const;  // {"expiration": "...", "conditions": [...]}
  // Bounds from content-length-range, if the policy has one.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> content_length_range() const;
};

// Parses a policy as S3 accepts it: object conditions {"field": "value"}, array
// conditions ["eq"|"starts-with", "$field", "value"] and
// ["content-length-range", min, max]. Hostile input: size and depth bounded.
Expected<PostPolicy, AuthError> parse_post_policy(std::string_view json);

// The fields S3 documents as exact-match only (bucket, x-amz-algorithm,
// x-amz-credential, x-amz-date, x-amz-security-token): a starts-with on one makes
// the policy invalid, whether presign_post is asked for it or a form brings it.
bool exact_match_only(std::string_view lower_field);

// hex(HMAC(kSigning, policy_base64)): the form's x-amz-signature.
std::string sign_policy(std::string_view policy_base64, const SigningKey& key);

// ---------------------------------------------------------------------------
// Writing and signing a form (boto3's generate_presigned_post)

struct FormField {
  std::string name;  // as sent (S3 matches field names case-insensitively)
  std::string value;
};

struct PresignPostRequest {
  std::string_view bucket;
  std::string_view key;  // may end in "${filename}", or use key_starts_with instead
  std::optional<std::string_view> key_starts_with;  // sign ["starts-with","$key",prefix]
  std::chrono::seconds expires{300};
  Timestamp time;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> content_length_range;
  // Extra fields, each pinned by an eq condition (by a starts-with of what
  // precedes `${filename}` when the value holds it).
  std::span<const FormField> fields;
  std::span<const PolicyCondition> conditions;  // extra conditions (starts-with, ...)
};

struct PresignedPost {
  std::string url;  // the bucket's URL to POST the form to
  // key, x-amz-algorithm, x-amz-credential, x-amz-date, [x-amz-security-token],
  // policy, x-amz-signature (boto3's names), then the extra fields as given.
  std::vector<FormField> fields;
  std::string policy_json;  // decoded, for inspection
  Timestamp expires_at;
};

Expected<PresignedPost, SignError> presign_post(const PresignPostRequest& request,
                                                const S3Endpoint& endpoint,
                                                const Credentials& credentials,
                                                std::string_view region,
                                                SigningKeyCache* cache = nullptr);

// ---------------------------------------------------------------------------
// Checking a received form (S3's POST Object)

struct VerifiedPost {
  PostPolicy policy;
  std::string access_key_id;
};

// S3 replaces `${filename}` in every form field with the name of the posted
// file (what follows its last '/' or '\\'; "" when there is none) and checks
// the policy against the result. The store calls this on the fields once the
// `file` part's filename is known, then passes the result to verify_post and
// stores the object under the substituted key.
std::vector<FormField> substitute_filename(std::span<const FormField> fields,
                                           std::string_view filename);

// Checks a received form (every field but `file`, after substitute_filename): the signature over
// the policy (x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature, policy), the
// expiration, that every condition holds for the bucket and fields, and that every field is covered
// by a condition (except x-amz-signature, policy, file and x-ignore-*; the bucket counts as a
// field, as in S3). The file's length is the caller's to check against
// policy.content_length_range() as it streams.
Expected<VerifiedPost, AuthError> verify_post(std::span<const FormField> fields,
                                              std::string_view bucket, Timestamp now,
                                              std::string_view region,
                                              const CredentialsLookup& lookup,
                                              SigningKeyCache* cache = nullptr);

}  // namespace upgate::sigv4
