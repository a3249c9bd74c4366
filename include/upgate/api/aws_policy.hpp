// The AWS documents a deployment of the upload API needs, from its UrlAccess (url_access.hpp):
//
//  iam_policy     identity policy for the principal whose credentials sign the URLs. A
//                 presigned URL acts with its signer's permissions and no others, so this is
//                 all the access anyone holding a URL can get: s3:PutObject,
//                 s3:AbortMultipartUpload and s3:ListMultipartUploadParts (the multipart
//                 routes' abort and list) on arn:PARTITION:s3:::BUCKET/PREFIX* for each upload
//                 prefix, s3:GetObject on each download prefix, all only over TLS
//                 (aws:SecureTransport). Nothing on the bucket itself: no URL lists or
//                 configures it (without s3:ListBucket, a GET of a missing key answers 403
//                 AccessDenied rather than 404).
//  bucket_policy  one statement: Deny every s3 action on the bucket and its objects to every
//                 principal when aws:SecureTransport is false. It allows nobody anything; all
//                 access comes from identity policies, and Block Public Access can stay on.
//  cors           the bucket's CORS rules in the seed's JSON array form (what `upgate bucket
//                 cors put` and `aws s3api put-bucket-cors` take, the latter wrapped in
//                 {"CORSRules": ...}): one rule allowing the configured origins the methods
//                 and browser headers the URLs use, exposing ETag.
//
// Inputs are checked as hostile: the bucket follows S3's naming rules, the partition is
// aws or aws-SOMETHING, and a prefix holds no IAM wildcard ('*', '?') or policy variable
// ('$'), no control character, no leading '/', and is at most 1024 bytes. Errors name the
// flag the value came from.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/url_access.hpp"
#include "upgate/config/config_error.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

struct AwsDeployment {
  std::string partition = "aws";  // aws-cn, aws-us-gov, ...
  std::string bucket;
  // Given: these replace the profiles' prefixes, for uploads and (when some profile allows
  // them) downloads. Each must be non-empty.
  std::vector<std::string> prefixes;
  std::vector<std::string> cors_origins;  // exact origins or "*"; at least one
  std::chrono::seconds cors_max_age{600};
};

struct AwsPolicies {
  boost::json::object iam_policy;
  boost::json::object bucket_policy;
  boost::json::array cors;
};

Expected<AwsPolicies, config::ConfigError> build_aws_policies(const UrlAccess& access,
                                                              const AwsDeployment& deployment);

// Whether `prefix` may stand in an object ARN (rules above); the error says why not.
Expected<void, std::string> check_policy_prefix(std::string_view prefix);

}  // namespace upgate::api
