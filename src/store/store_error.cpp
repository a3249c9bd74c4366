#include "store_error.hpp"

namespace upgate::store {

std::string_view s3_error_code(StoreErrc code) {
  switch (code) {
    case StoreErrc::kInvalidBucketName:
      return "InvalidBucketName";
    case StoreErrc::kNoSuchBucket:
      return "NoSuchBucket";
    case StoreErrc::kBucketAlreadyOwnedByYou:
      return "BucketAlreadyOwnedByYou";
    case StoreErrc::kBucketNotEmpty:
      return "BucketNotEmpty";
    case StoreErrc::kNoSuchCORSConfiguration:
      return "NoSuchCORSConfiguration";
    case StoreErrc::kNoSuchLifecycleConfiguration:
      return "NoSuchLifecycleConfiguration";
    case StoreErrc::kNoSuchKey:
      return "NoSuchKey";
    case StoreErrc::kKeyTooLong:
      return "KeyTooLongError";
    case StoreErrc::kInvalidObjectKey:
      return "InvalidArgument";
    case StoreErrc::kMetadataTooLarge:
      return "MetadataTooLarge";
    case StoreErrc::kPreconditionFailed:
      return "PreconditionFailed";
    case StoreErrc::kNoSuchUpload:
      return "NoSuchUpload";
    case StoreErrc::kInvalidPart:
      return "InvalidPart";
    case StoreErrc::kInvalidPartOrder:
      return "InvalidPartOrder";
    case StoreErrc::kEntityTooSmall:
      return "EntityTooSmall";
    case StoreErrc::kEntityTooLarge:
      return "EntityTooLarge";
    case StoreErrc::kInvalidArgument:
      return "InvalidArgument";
    case StoreErrc::kInvalidRequest:
      return "InvalidRequest";
    case StoreErrc::kServiceUnavailable:
      return "ServiceUnavailable";
    case StoreErrc::kInternalError:
      return "InternalError";
  }
  return "InternalError";
}

}  // namespace upgate::store
