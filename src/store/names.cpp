#include "upgate/store/names.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "upgate/store/limits.hpp"

namespace upgate::store {
namespace {

bool is_lower_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool looks_like_ipv4(std::string_view s) {
  int groups = 0;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i || j - i > 3) return false;
    ++groups;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return groups == 4;
}

StoreError bad_name(std::string why) {
  return {StoreErrc::kInvalidBucketName, "The specified bucket is not valid: " + std::move(why)};
}

}  // namespace

Expected<void, StoreError> validate_bucket_name(std::string_view name) {
  if (name.size() < kMinBucketNameLength || name.size() > kMaxBucketNameLength) {
    return Unexpected(bad_name("a bucket name has 3 to 63 characters"));
  }
  for (char c : name) {
    if (!is_lower_or_digit(c) && c != '.' && c != '-') {
      return Unexpected(bad_name("only lowercase letters, digits, '.' and '-' are allowed"));
    }
  }
  if (!is_lower_or_digit(name.front()) || !is_lower_or_digit(name.back())) {
    return Unexpected(bad_name("a bucket name starts and ends with a letter or digit"));
  }
  for (std::string_view bad : {"..", ".-", "-."}) {
    if (name.find(bad) != std::string_view::npos) {
      return Unexpected(bad_name("'" + std::string(bad) + "' may not appear in a bucket name"));
    }
  }
  if (looks_like_ipv4(name)) return Unexpected(bad_name("a bucket name may not be an IP address"));
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (name.starts_with(prefix)) {
      return Unexpected(bad_name("the prefix '" + std::string(prefix) + "' is reserved"));
    }
  }
  for (std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (name.ends_with(suffix)) {
      return Unexpected(bad_name("the suffix '" + std::string(suffix) + "' is reserved"));
    }
  }
  return {};
}

bool is_valid_utf8(std::string_view text) {
  auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    std::uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;  // a continuation byte where a character should start, or 0xF8..0xFF
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min) return false;                      // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // UTF-16 surrogate
    if (cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

Expected<void, StoreError> validate_object_key(std::string_view key) {
  if (key.empty()) {
    return Unexpected(StoreError{StoreErrc::kInvalidObjectKey, "The object key may not be empty"});
  }
  if (key.size() > kMaxKeyBytes) {
    return Unexpected(StoreError{StoreErrc::kKeyTooLong, "Your key is too long"});
  }
  if (!is_valid_utf8(key)) {
    return Unexpected(
        StoreError{StoreErrc::kInvalidObjectKey, "The object key is not valid UTF-8"});
  }
  return {};
}

}  // namespace upgate::store
