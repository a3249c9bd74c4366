// S3's names and HTTP statuses for the ways a signature can be refused.
#include "upgate/sigv4/auth_error.hpp"

namespace upgate::sigv4 {

std::string_view s3_code(AuthErrorCode code) {
  switch (code) {
    case AuthErrorCode::kAccessDenied:
      return "AccessDenied";
    case AuthErrorCode::kSignatureDoesNotMatch:
      return "SignatureDoesNotMatch";
    case AuthErrorCode::kInvalidAccessKeyId:
      return "InvalidAccessKeyId";
    case AuthErrorCode::kInvalidToken:
      return "InvalidToken";
    case AuthErrorCode::kAuthorizationHeaderMalformed:
      return "AuthorizationHeaderMalformed";
    case AuthErrorCode::kAuthorizationQueryParametersError:
      return "AuthorizationQueryParametersError";
    case AuthErrorCode::kRequestTimeTooSkewed:
      return "RequestTimeTooSkewed";
    case AuthErrorCode::kMissingSecurityHeader:
      return "MissingSecurityHeader";
    case AuthErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case AuthErrorCode::kInvalidRequest:
      return "InvalidRequest";
    case AuthErrorCode::kInvalidPolicyDocument:
      return "InvalidPolicyDocument";
  }
  return "AccessDenied";
}

int http_status(AuthErrorCode code) {
  switch (code) {
    case AuthErrorCode::kAccessDenied:
    case AuthErrorCode::kSignatureDoesNotMatch:
    case AuthErrorCode::kInvalidAccessKeyId:
    case AuthErrorCode::kRequestTimeTooSkewed:
      return 403;
    case AuthErrorCode::kInvalidToken:
    case AuthErrorCode::kAuthorizationHeaderMalformed:
    case AuthErrorCode::kAuthorizationQueryParametersError:
    case AuthErrorCode::kMissingSecurityHeader:
    case AuthErrorCode::kInvalidArgument:
    case AuthErrorCode::kInvalidRequest:
    case AuthErrorCode::kInvalidPolicyDocument:
      return 400;
  }
  return 403;
}

}  // namespace upgate::sigv4
