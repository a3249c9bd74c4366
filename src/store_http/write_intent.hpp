// Internal: what a request that writes an object version states before its body, read
// and checked in one place for PutObject, CopyObject and CreateMultipartUpload, in
// this order (which decides which refusal a request with several faults gets):
//   x-amz-acl               one of S3's canned object ACLs ("private" when absent);
//   x-amz-storage-class     one of S3's classes, when given;
//   If-Match/If-None-Match  PutObject and CopyObject: their shape (decided at commit);
//   x-amz-checksum-algorithm CreateMultipartUpload: the algorithm every part computes;
//   content headers and x-amz-meta-*  MetadataTooLarge past S3's 2 KB. CopyObject
//                           takes these only under x-amz-metadata-directive: REPLACE,
//                           after its own checks: object_metadata().
#pragma once

#include <optional>
#include <string>

#include "s3_request.hpp"
#include "store/checksum.hpp"
#include "store/records.hpp"
#include "upgate/expected.hpp"
#include "upgate/s3/conditions.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::store {

struct ObjectMetadata {
  ObjectHeaders headers;
  UserMetadata user_metadata;
};

struct WriteIntent {
  std::string acl;
  s3::WriteConditions conditions;                       // PutObject, CopyObject
  std::optional<ChecksumAlgorithm> checksum_algorithm;  // CreateMultipartUpload
  ObjectMetadata metadata;                              // not for CopyObject
};

// For r.operation, which is one of the three.
Expected<WriteIntent, s3::S3Error> write_intent(const S3Request& r);

// The content headers and x-amz-meta-* of the request; MetadataTooLarge past 2 KB.
Expected<ObjectMetadata, s3::S3Error> object_metadata(const S3Request& r);

}  // namespace upgate::store
