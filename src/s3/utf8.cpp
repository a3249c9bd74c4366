#include "upgate/s3/utf8.hpp"

#include <cstdint>

namespace upgate::s3 {

std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return 1;
  // The second byte's allowed range narrows for E0/ED/F0/F4 (RFC 3629 table),
  // which is what rules out overlong forms, surrogates and > U+10FFFF.
  std::size_t continuation = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    continuation = 1;
  } else if (b0 == 0xE0) {
    continuation = 2, lo = 0xA0;
  } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    continuation = 2;
  } else if (b0 == 0xED) {
    continuation = 2, hi = 0x9F;
  } else if (b0 == 0xF0) {
    continuation = 3, lo = 0x90;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    continuation = 3;
  } else if (b0 == 0xF4) {
    continuation = 3, hi = 0x8F;
  } else {
    return 0;
  }
  if (continuation >= text.size() - pos) return 0;
  if (byte(pos + 1) < lo || byte(pos + 1) > hi) return 0;
  for (std::size_t k = 2; k <= continuation; ++k) {
    if (byte(pos + k) < 0x80 || byte(pos + k) > 0xBF) return 0;
  }
  return continuation + 1;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

bool is_valid_utf8(std::string_view text) {
  return !first_invalid_utf8(text).has_value();
}

}  // namespace upgate::s3
