// Which bucket names and object keys the engine stores: S3's rules, as src/s3 owns
// them (s3::validate_bucket_name, s3::validate_object_key), in the engine's error
// values. The engine checks what it is handed, so no caller relies on another
// layer's checks (limits.hpp).
//
// Bucket names: whatever s3::validate_bucket_name accepts; a refusal is
// InvalidBucketName with S3's reason in the message.
// Object keys: what s3::validate_object_key accepts (at most 1024 bytes of strictly
// valid UTF-8; "..", "/" runs and control characters included: keys never become
// paths) and not empty (an empty key names the bucket). Too long is KeyTooLong;
// empty or invalid UTF-8 is InvalidObjectKey.
#pragma once

#include <string_view>

#include "store_error.hpp"
#include "upgate/expected.hpp"

namespace upgate::store {

Expected<void, StoreError> validate_bucket_name(std::string_view name);
Expected<void, StoreError> validate_object_key(std::string_view key);

}  // namespace upgate::store
