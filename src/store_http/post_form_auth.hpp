// Internal: authorizing a POST Object form at its file part, apart from HTTP.
//
// The handler (s3_post_object_handler.cpp) streams the form and calls authorize_form once
// the file's part header names the file: the policy's signature first, on the fields as
// sent; `${filename}` substituted only once the signature holds, only into the fields S3
// substitutes it in, the result bounded like the fields themselves; then the policy's
// conditions against the substituted fields. Pure: no I/O, so a fuzzer calls it as is.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/sigv4/post_policy.hpp"

namespace upgate::store {

// S3's bound on the form fields that precede the file; the same bound holds for them
// after `${filename}` is substituted.
inline constexpr std::size_t kMaxPreDataBytes = 20 * 1024;

// The first field with this lower-case name (form field names match case-insensitively).
const sigv4::FormField* find_form_field(const std::vector<sigv4::FormField>& fields,
                                        std::string_view name);

// What a form is checked against: the bucket it is posted to, the clock, the store's region
// and its access keys.
struct PostFormContext {
  std::string_view bucket;
  sigv4::Timestamp now;
  std::string_view region;
  sigv4::CredentialsLookup lookup;
  sigv4::SigningKeyCache* signing_keys = nullptr;
};

// Authorizes the form at its file part (`filename` as the part header gave it), with
// `${filename}` substituted in place in `fields` only once the signature holds. The
// refusal is S3's error for it.
Expected<sigv4::VerifiedPost, s3::S3Error> authorize_form(std::vector<sigv4::FormField>& fields,
                                                          std::string_view filename,
                                                          const PostFormContext& context);

}  // namespace upgate::store
