// RFC 9110 tokens: the characters an HTTP method, header name or media type
// may be made of, and the checks on values a request builder puts on the wire.
// Header-only, so the stand-alone sigv4 library can use it too; one table
// instead of a copy in every parser.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>

#include "upgate/text.hpp"

namespace upgate {

namespace detail {
constexpr std::array<bool, 256> make_http_token_table() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
inline constexpr std::array<bool, 256> kHttpTokenChar = make_http_token_table();
}  // namespace detail

constexpr bool is_http_token_char(char c) {
  return detail::kHttpTokenChar[static_cast<unsigned char>(c)];
}

// Non-empty and made of token characters only.
constexpr bool is_http_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_http_token_char(c)) return false;
  }
  return true;
}

// Holds an ASCII control character (0x00-0x1f or DEL): never part of a bucket
// name, key or anything else a signer puts into a request line.
constexpr bool has_control_char(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// Safe as a header field value: no CR, LF or NUL, which would end the field
// early or split the request (header injection). Eight bytes at a time at run time:
// every answer's headers go through it, the RateLimit fields hundreds of bytes long.
// (A word has a zero byte when (w - 0x01..) & ~w & 0x80.. is not zero, and
// w ^ (c * 0x01..) has one where w has the byte c.)
constexpr bool is_safe_header_value(std::string_view s) {
  std::size_t i = 0;
  if (!std::is_constant_evaluated()) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    const auto zero_byte = [](std::uint64_t w) { return (w - kOnes) & ~w & kHighs; };
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, 8);
      if ((zero_byte(w) | zero_byte(w ^ (kOnes * '\r')) | zero_byte(w ^ (kOnes * '\n'))) != 0) {
        return false;
      }
    }
  }
  for (; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') return false;
  }
  return true;
}

// The elements of a comma-separated list (RFC 9110's #list: a header value such as
// Content-Encoding or x-amz-trailer, or the components of an Authorization header), each
// trimmed of spaces and tabs, empty ones included; "" is one empty element.
//
//   CommaList items(value);
//   while (const auto item = items.next()) { ... *item ... }
class CommaList {
 public:
  constexpr explicit CommaList(std::string_view list) noexcept : list_(list) {}

  constexpr std::optional<std::string_view> next() noexcept {
    if (pos_ > list_.size()) return std::nullopt;
    std::size_t comma = list_.find(',', pos_);
    if (comma == std::string_view::npos) comma = list_.size();
    const std::string_view item = text::trim(list_.substr(pos_, comma - pos_));
    pos_ = comma + 1;
    return item;
  }

 private:
  std::string_view list_;
  std::size_t pos_ = 0;
};

}  // namespace upgate
