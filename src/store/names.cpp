// S3's naming rules (src/s3) in the engine's error values.
#include "names.hpp"

#include <string>

#include "upgate/s3/naming.hpp"

namespace upgate::store {

Expected<void, StoreError> validate_bucket_name(std::string_view name) {
  if (auto valid = s3::validate_bucket_name(name); !valid) {
    return Unexpected(StoreError{StoreErrc::kInvalidBucketName,
                                 "The specified bucket is not valid: " + valid.error().reason});
  }
  return {};
}

Expected<void, StoreError> validate_object_key(std::string_view key) {
  if (key.empty()) {
    return Unexpected(StoreError{StoreErrc::kInvalidObjectKey, "The object key may not be empty"});
  }
  if (auto valid = s3::validate_object_key(key); !valid) {
    if (valid.error().code == s3::ErrorCode::KeyTooLongError) {
      return Unexpected(StoreError{StoreErrc::kKeyTooLong, "Your key is too long"});
    }
    return Unexpected(
        StoreError{StoreErrc::kInvalidObjectKey, "The object key is not valid UTF-8"});
  }
  return {};
}

}  // namespace upgate::store
