// What makes a bucket name and an object key acceptable, by S3's rules.
//
// Bucket names: 3-63 characters of lowercase letters, digits, '.' and '-';
// starting and ending with a letter or digit; no "..", ".-" or "-."; not an
// IPv4 address; none of S3's reserved prefixes (xn--, sthree-, amzn-s3-demo-)
// or suffixes (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3).
// Object keys: 1..kMaxKeyBytes bytes of strictly valid UTF-8 (no overlong
// forms, no surrogates, nothing above U+10FFFF). Anything else is allowed,
// including "..", "/" runs and control characters: keys never become paths.
#pragma once

#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/store/store_error.hpp"

namespace upgate::store {

Expected<void, StoreError> validate_bucket_name(std::string_view name);
Expected<void, StoreError> validate_object_key(std::string_view key);
bool is_valid_utf8(std::string_view text);

}  // namespace upgate::store
