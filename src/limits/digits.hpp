// Internal: the unsigned decimal numbers of limit specs and Redis URLs.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace upgate::limits::detail {

// 1 to `max_digits` decimal digits (at most 19, so it cannot overflow), nothing else: no
// sign, no white space.
inline std::optional<std::uint64_t> parse_digits(std::string_view digits,
                                                 std::size_t max_digits) noexcept {
  if (digits.empty() || digits.size() > max_digits || digits.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace upgate::limits::detail
