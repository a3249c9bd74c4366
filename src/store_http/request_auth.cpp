// SigV4 authentication and IAM-style authorization of one request.
#include "request_auth.hpp"

#include <chrono>
#include <string>

#include "upgate/s3/dates.hpp"
#include "upgate/sigv4/verify.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

using s3::ErrorCode;

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  return s3::format_iso8601_ms(t);
}

// SigV4's refusal in S3's words, with the detail elements S3 adds.
s3::S3Error auth_to_s3_error(const sigv4::AuthError& e, const S3Request& r,
                             std::chrono::system_clock::time_point now) {
  const auto code = s3::error_code_from_name(sigv4::s3_code(e.code));
  switch (e.code) {
    case sigv4::AuthErrorCode::kSignatureDoesNotMatch:
      return s3::signature_does_not_match(e.access_key_id, e.string_to_sign, e.signature_provided,
                                          e.canonical_request)
          .because("signature mismatch");
    case sigv4::AuthErrorCode::kRequestTimeTooSkewed: {
      auto parsed = sigv4::parse_auth(r.request_view());
      return s3::request_time_too_skewed(parsed ? parsed->amz_date : std::string(), iso_time(now),
                                         r.service.options.max_skew.count() * 1000)
          .because("request time too skewed");
    }
    case sigv4::AuthErrorCode::kAccessDenied:
      if (e.message == "Request has expired") {
        auto parsed = sigv4::parse_auth(r.request_view());
        if (parsed) {
          return s3::request_expired(std::to_string(parsed->expires.count()),
                                     iso_time(parsed->request_time + parsed->expires),
                                     iso_time(now))
              .because("presigned URL expired");
        }
      }
      [[fallthrough]];
    default: {
      s3::S3Error out = s3::make_error(code.value_or(ErrorCode::AccessDenied), e.message);
      out.reason = e.message;
      return out;
    }
  }
}

bool anonymous_may_try(S3Operation op) {
  // Public-read objects: the handler checks the object's ACL.
  return op == S3Operation::kGetObject || op == S3Operation::kHeadObject;
}

}  // namespace

Expected<void, s3::S3Error> authenticate(S3Request& r) {
  const S3Operation op = *r.operation;
  const auto view = r.request_view();
  if (has_query(r.query, "AWSAccessKeyId") && has_query(r.query, "Signature")) {
    // Signature Version 2 query auth (old SDKs' default for presigned URLs).
    return Unexpected(
        s3::make_error(ErrorCode::InvalidRequest,
                       "The authorization mechanism you have provided is not supported. Please "
                       "use AWS4-HMAC-SHA256.")
            .because("SigV2 query authentication"));
  }
  // An Authorization header with nothing in it is a malformed request, not an
  // anonymous one: S3 refuses it as an unsupported authorization type.
  if (const auto header = r.header("authorization"); header && text::trim(*header).empty()) {
    return Unexpected(s3::invalid_argument("Unsupported Authorization Type", "Authorization", "")
                          .because("empty Authorization header"));
  }
  if (sigv4::detect_auth(view) == sigv4::AuthLocation::kNone) {
    if (!anonymous_may_try(op)) {
      return Unexpected(s3::make_error(ErrorCode::AccessDenied).because("anonymous request"));
    }
    return {};
  }
  sigv4::VerifyPolicy policy;
  const auto now = r.service.now();
  policy.now = now;
  policy.region = r.service.options.region;
  policy.max_skew = r.service.options.max_skew;
  const AccessKeys& keys = r.service.keys;
  auto verified = sigv4::verify(
      view, policy,
      [&keys](std::string_view id) -> std::optional<sigv4::Credentials> {
        const AccessKey* key = keys.find(id);
        if (key == nullptr) return std::nullopt;
        return key->credentials;
      },
      &r.service.signing_keys);
  if (!verified) return Unexpected(auth_to_s3_error(verified.error(), r, now));
  r.access_key = keys.find(verified->auth.access_key_id);
  r.auth = std::move(*verified);
  if (op == S3Operation::kDeleteObjects) return {};
  const std::string_view key =
      targets_object(op) ? std::string_view(r.target.key) : std::string_view();
  if (!r.allowed(iam_action(op), r.target.bucket, key)) {
    return Unexpected(s3::make_error(ErrorCode::AccessDenied)
                          .because("key not allowed " + std::string(iam_action(op))));
  }
  return {};
}

}  // namespace upgate::store
