// Why a request's signature was refused, in S3's own terms.
//
// Each code is the S3 error code the store answers with; `message` is S3's
// message text (e.g. "Request has expired", which clients such as Uppy look for
// to re-sign). For SignatureDoesNotMatch the error carries what the server
// computed (canonical request, string to sign), as S3's error document does, so
// a client author can see which part differs. Nothing here ever holds a secret
// or a derived key.
#pragma once

#include <string>
#include <string_view>

namespace upgate::sigv4 {

enum class AuthErrorCode {
  kAccessDenied,                       // 403: expired, not yet valid, headers not signed
  kSignatureDoesNotMatch,              // 403
  kInvalidAccessKeyId,                 // 403
  kInvalidToken,                       // 400: session token does not belong to the key
  kAuthorizationHeaderMalformed,       // 400
  kAuthorizationQueryParametersError,  // 400
  kRequestTimeTooSkewed,               // 403
  kMissingSecurityHeader,              // 400: a required x-amz-* header is absent
  kInvalidArgument,                    // 400: e.g. two auth mechanisms at once
  kInvalidRequest,                     // 400: e.g. unsupported payload hash mode
  kInvalidPolicyDocument,              // 400: a POST policy that does not parse
};

std::string_view s3_code(AuthErrorCode code);  // "SignatureDoesNotMatch", ...
int http_status(AuthErrorCode code);           // 403, 400, ...

struct AuthError {
  AuthErrorCode code = AuthErrorCode::kAccessDenied;
  std::string message;

  // Set for kSignatureDoesNotMatch; empty otherwise.
  std::string access_key_id;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature_provided;
};

}  // namespace upgate::sigv4
