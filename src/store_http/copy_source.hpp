// Internal: the source of CopyObject and UploadPartCopy. x-amz-copy-source is
// "[/]bucket/key[?versionId=null]" with the key URL-encoded; the bucket and key follow
// S3's naming rules (InvalidBucketName, KeyTooLongError, ...), anything else is
// InvalidArgument, and a source version other than "null" is NotImplemented. The
// x-amz-copy-source-if-* headers are the source's conditions.
#pragma once

#include <string>
#include <string_view>

#include "s3_request.hpp"
#include "upgate/expected.hpp"
#include "upgate/s3/conditions.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::store {

struct CopySource {
  std::string bucket;
  std::string key;
};

Expected<CopySource, s3::S3Error> parse_copy_source(std::string_view value);

s3::ConditionalHeaders copy_source_conditions(const S3Request& r);

}  // namespace upgate::store
