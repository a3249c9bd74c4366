// S3's names and HTTP statuses for the ways a signature can be refused.
#include "upgate/sigv4/auth_error.hpp"

#include "upgate/enum_names.hpp"

namespace upgate::sigv4 {

namespace {

// A row a refusal: S3's error code and the HTTP status S3 answers it with.
struct AuthErrorRow {
  AuthErrorCode value;
  std::string_view s3_code;
  int status;
};

constexpr AuthErrorRow kAuthErrors[] = {
    {AuthErrorCode::kAccessDenied, "AccessDenied", 403},
    {AuthErrorCode::kSignatureDoesNotMatch, "SignatureDoesNotMatch", 403},
    {AuthErrorCode::kInvalidAccessKeyId, "InvalidAccessKeyId", 403},
    {AuthErrorCode::kInvalidToken, "InvalidToken", 400},
    {AuthErrorCode::kAuthorizationHeaderMalformed, "AuthorizationHeaderMalformed", 400},
    {AuthErrorCode::kAuthorizationQueryParametersError, "AuthorizationQueryParametersError", 400},
    {AuthErrorCode::kRequestTimeTooSkewed, "RequestTimeTooSkewed", 403},
    {AuthErrorCode::kMissingSecurityHeader, "MissingSecurityHeader", 400},
    {AuthErrorCode::kInvalidArgument, "InvalidArgument", 400},
    {AuthErrorCode::kInvalidRequest, "InvalidRequest", 400},
    {AuthErrorCode::kInvalidPolicyDocument, "InvalidPolicyDocument", 400},
};
// A row for every code: none twice, as many as up to the last (kInvalidPolicyDocument).
static_assert(each_value_once(kAuthErrors) &&
              std::size(kAuthErrors) ==
                  static_cast<std::size_t>(AuthErrorCode::kInvalidPolicyDocument) + 1);

}  // namespace

std::string_view s3_code(AuthErrorCode code) {
  const AuthErrorRow* row = row_of(kAuthErrors, code);
  return row ? row->s3_code : "AccessDenied";
}

int http_status(AuthErrorCode code) {
  const AuthErrorRow* row = row_of(kAuthErrors, code);
  return row ? row->status : 403;
}

}  // namespace upgate::sigv4
