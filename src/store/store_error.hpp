// The outcomes of the storage engine that are not success.
//
// Each code's comment names the S3 error the store's HTTP front answers with, and its
// HTTP status; the front's table of them is store_http/engine_refusal.cpp. The message is for
// humans: precise, safe to show to the client (it never contains file paths or secrets).
#pragma once

#include <string>
#include <string_view>

namespace upgate::store {

enum class StoreErrc {
  kInvalidBucketName,             // 400 InvalidBucketName
  kNoSuchBucket,                  // 404 NoSuchBucket
  kBucketAlreadyOwnedByYou,       // 409 BucketAlreadyOwnedByYou
  kBucketNotEmpty,                // 409 BucketNotEmpty (objects or in-progress multipart uploads)
  kNoSuchCORSConfiguration,       // 404 NoSuchCORSConfiguration
  kNoSuchLifecycleConfiguration,  // 404 NoSuchLifecycleConfiguration
  kNoSuchKey,                     // 404 NoSuchKey
  kKeyTooLong,                    // 400 KeyTooLongError
  kInvalidObjectKey,              // 400 InvalidArgument (empty key, invalid UTF-8)
  kMetadataTooLarge,              // 400 MetadataTooLarge
  kPreconditionFailed,            // 412 PreconditionFailed (If-None-Match: * and the key exists)
  kNoSuchUpload,                  // 404 NoSuchUpload
  kInvalidPart,                   // 400 InvalidPart (missing part or ETag mismatch)
  kInvalidPartOrder,              // 400 InvalidPartOrder
  kEntityTooSmall,                // 400 EntityTooSmall
  kEntityTooLarge,                // 400 EntityTooLarge
  kInvalidArgument,               // 400 InvalidArgument (part number, max-keys, continuation token)
  kInvalidRequest,                // 400 InvalidRequest (e.g. CompleteMultipartUpload with no parts)
  kServiceUnavailable,            // 503 ServiceUnavailable (the data directory is locked or full)
  kInternalError,                 // 500 InternalError (I/O or database failure)
};

struct StoreError {
  StoreErrc code = StoreErrc::kInternalError;
  std::string message;
};

}  // namespace upgate::store
