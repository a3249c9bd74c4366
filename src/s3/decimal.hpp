// Internal: the signed decimal integers of S3's query parameters and XML bodies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "upgate/text.hpp"

namespace upgate::s3::detail {

// A decimal integer of 1 to `max_digits` digits (at most 18, so it cannot overflow) after
// an optional '-', or also '+' when `plus_allowed`; nullopt for anything else, white space
// included. Callers check their own range.
constexpr std::optional<std::int64_t> parse_decimal(std::string_view text,
                                                    std::size_t max_digits = 18,
                                                    bool plus_allowed = false) noexcept {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || (plus_allowed && text.front() == '+'))) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > max_digits || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (!text::is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

}  // namespace upgate::s3::detail
