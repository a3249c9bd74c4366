// S3 error codes and statuses for signature refusals.
#include "upgate/sigv4/auth_error.hpp"

#include <gtest/gtest.h>

namespace upgate::sigv4 {
namespace {

TEST(AuthError, CodesAndStatusesMatchS3) {
  EXPECT_EQ(s3_code(AuthErrorCode::kSignatureDoesNotMatch), "SignatureDoesNotMatch");
  EXPECT_EQ(http_status(AuthErrorCode::kSignatureDoesNotMatch), 403);
  EXPECT_EQ(s3_code(AuthErrorCode::kAccessDenied), "AccessDenied");
  EXPECT_EQ(http_status(AuthErrorCode::kAccessDenied), 403);
  EXPECT_EQ(s3_code(AuthErrorCode::kInvalidAccessKeyId), "InvalidAccessKeyId");
  EXPECT_EQ(http_status(AuthErrorCode::kInvalidAccessKeyId), 403);
  EXPECT_EQ(s3_code(AuthErrorCode::kRequestTimeTooSkewed), "RequestTimeTooSkewed");
  EXPECT_EQ(http_status(AuthErrorCode::kRequestTimeTooSkewed), 403);
  EXPECT_EQ(s3_code(AuthErrorCode::kAuthorizationHeaderMalformed), "AuthorizationHeaderMalformed");
  EXPECT_EQ(http_status(AuthErrorCode::kAuthorizationHeaderMalformed), 400);
  EXPECT_EQ(s3_code(AuthErrorCode::kAuthorizationQueryParametersError),
            "AuthorizationQueryParametersError");
  EXPECT_EQ(http_status(AuthErrorCode::kAuthorizationQueryParametersError), 400);
  EXPECT_EQ(s3_code(AuthErrorCode::kInvalidToken), "InvalidToken");
  EXPECT_EQ(http_status(AuthErrorCode::kInvalidToken), 400);
  EXPECT_EQ(s3_code(AuthErrorCode::kMissingSecurityHeader), "MissingSecurityHeader");
  EXPECT_EQ(s3_code(AuthErrorCode::kInvalidArgument), "InvalidArgument");
  EXPECT_EQ(s3_code(AuthErrorCode::kInvalidRequest), "InvalidRequest");
  EXPECT_EQ(s3_code(AuthErrorCode::kInvalidPolicyDocument), "InvalidPolicyDocument");
  EXPECT_EQ(http_status(AuthErrorCode::kInvalidPolicyDocument), 400);
}

}  // namespace
}  // namespace upgate::sigv4
