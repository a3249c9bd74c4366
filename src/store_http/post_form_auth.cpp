// POST Object's authorization (post_form_auth.hpp).
#include "post_form_auth.hpp"

#include <algorithm>
#include <span>
#include <string>

#include "upgate/text.hpp"

namespace upgate::store {

using s3::ErrorCode;

namespace {

s3::S3Error post_auth_error(const sigv4::AuthError& e) {
  const auto code = s3::error_code_from_name(sigv4::s3_code(e.code));
  if (e.code == sigv4::AuthErrorCode::kSignatureDoesNotMatch) {
    return s3::make_error(ErrorCode::SignatureDoesNotMatch).because("policy signature mismatch");
  }
  return s3::make_error(code.value_or(ErrorCode::AccessDenied), e.message).because(e.message);
}

// S3 replaces `${filename}` in the form's fields, but never in the ones that
// authenticate it (the signature covers the policy as sent), nor in x-ignore-*
// fields, which S3 ignores.
bool substitutes_filename(std::string_view name) {
  const std::string lower = text::lower(name);
  return lower != "policy" && lower != "x-amz-signature" && lower != "x-amz-algorithm" &&
         lower != "x-amz-credential" && lower != "x-amz-date" && lower != "x-amz-security-token" &&
         !lower.starts_with("x-ignore-");
}

std::size_t occurrences(std::string_view value, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = value.find(what); at != std::string_view::npos;
       at = value.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

// The fields' size once `${filename}` is substituted, computed without building them.
// `base_name` is what substitution inserts: the file name after its last '/' or '\\'.
std::size_t substituted_size(const std::vector<sigv4::FormField>& fields,
                             std::string_view base_name) {
  std::size_t size = 0;
  for (const auto& f : fields) {
    size += f.name.size() + f.value.size();
    if (!substitutes_filename(f.name)) continue;
    const std::size_t n = occurrences(f.value, sigv4::kFilenameVariable);
    size = size - n * sigv4::kFilenameVariable.size() + n * base_name.size();
  }
  return size;
}

// Whether verify_post's refusal came after it checked the policy's signature: with the
// policy and its signature in the form, verify_post answers AccessDenied only for an
// expired policy or a condition that fails, both after the signature held. Every other
// refusal is about the fields that authenticate the form, which substitution leaves
// alone, so checking again after substituting could not change it.
bool refused_after_the_signature(const sigv4::AuthError& e,
                                 const std::vector<sigv4::FormField>& fields) {
  return e.code == sigv4::AuthErrorCode::kAccessDenied &&
         find_form_field(fields, "policy") != nullptr &&
         find_form_field(fields, "x-amz-signature") != nullptr;
}

}  // namespace

const sigv4::FormField* find_form_field(const std::vector<sigv4::FormField>& fields,
                                        std::string_view name) {
  for (const auto& f : fields) {
    if (text::lower(f.name) == name) return &f;
  }
  return nullptr;
}

Expected<sigv4::VerifiedPost, s3::S3Error> authorize_form(std::vector<sigv4::FormField>& fields,
                                                          std::string_view filename,
                                                          const PostFormContext& context) {
  auto verify = [&](const std::vector<sigv4::FormField>& form) {
    return sigv4::verify_post(form, context.bucket, context.now, context.region, context.lookup,
                              context.signing_keys);
  };
  auto as_sent = verify(fields);
  const bool has_variable = std::any_of(fields.begin(), fields.end(), [](const auto& f) {
    return substitutes_filename(f.name) &&
           f.value.find(sigv4::kFilenameVariable) != std::string::npos;
  });
  if (!has_variable) {
    if (!as_sent) return Unexpected(post_auth_error(as_sent.error()));
    return std::move(*as_sent);
  }
  if (!as_sent && !refused_after_the_signature(as_sent.error(), fields)) {
    return Unexpected(post_auth_error(as_sent.error()));
  }
  const std::size_t separator = filename.find_last_of("/\\");
  const std::string_view base_name =
      separator == std::string_view::npos ? filename : filename.substr(separator + 1);
  if (substituted_size(fields, base_name) > kMaxPreDataBytes) {
    return Unexpected(s3::make_error(ErrorCode::MaxPostPreDataLengthExceededError)
                          .because("form fields too large once ${filename} is substituted"));
  }
  for (auto& f : fields) {
    if (!substitutes_filename(f.name)) continue;
    f.value = std::move(sigv4::substitute_filename(std::span(&f, 1), filename).front().value);
  }
  // The conditions again, now against the substituted fields, as S3 checks them.
  auto verified = verify(fields);
  if (!verified) return Unexpected(post_auth_error(verified.error()));
  return std::move(*verified);
}

}  // namespace upgate::store
