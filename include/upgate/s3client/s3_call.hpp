// upgate::s3client::S3Call: one S3 REST call as the operations describe it, before
// addressing and signing: method, bucket, key, query, extra headers and a body held in
// memory. GetBucketCors is {"GET", bucket, "", {{"cors", ""}}}; HeadObject would be
// {"HEAD", bucket, key}; UploadPart {"PUT", bucket, key, {{"partNumber","1"},{"uploadId",id}}}.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace upgate::s3client {

struct S3Call {
  std::string operation;  // S3's name for it ("PutBucketCors"), used in errors
  std::string method = "GET";
  std::string bucket;
  std::string key;  // raw, not encoded; empty for bucket-level calls
  // Decoded. An empty value is sent as the bare name ("?cors"), as S3's subresources are.
  std::vector<std::pair<std::string, std::string>> query;
  // Sent and signed as given (Content-Type, x-amz-*). The signer adds Host, X-Amz-Date,
  // x-amz-content-sha256 (the body's real SHA-256), X-Amz-Security-Token and Authorization.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Adds Content-MD5 (base64 of the body's MD5), which S3 requires on some calls
  // (PutBucketCors, DeleteObjects, PutBucketPolicy ...).
  bool content_md5 = false;
  // SigV4's service name in the credential scope. Ceph RGW serves its SNS-style topic calls
  // (CreateTopic ...) on the S3 endpoint and takes them signed as "sns", as boto3 signs them.
  std::string service = "s3";
};

}  // namespace upgate::s3client
