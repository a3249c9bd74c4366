// The ASCII and UTF-8 text rules every parser in upgate shares: case folding and
// comparison, HTTP's optional whitespace, hexadecimal digits, strict UTF-8 and the
// dotted-quad test of S3's naming rules. Locale-free by design (a header name compares
// the same whatever the process's locale) and header-only, so the stand-alone sigv4
// library uses it too; one definition instead of a copy in every parser.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace upgate::text {

// ---------------------------------------------------------------------------
// ASCII case

constexpr char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char to_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

inline void lower_in_place(std::string& s) noexcept {
  for (char& c : s) c = to_lower(c);
}

// Equal when ASCII letters are folded to one case; other bytes compare exactly.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

constexpr bool iends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_alnum(char c) noexcept {
  return is_alpha(c) || is_digit(c);
}
constexpr bool is_lower_or_digit(char c) noexcept {
  return (c >= 'a' && c <= 'z') || is_digit(c);
}

// ---------------------------------------------------------------------------
// Whitespace

// HTTP's optional whitespace (RFC 9110 OWS): space and horizontal tab.
constexpr bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

// Without leading and trailing spaces and tabs: header values, list items, form fields.
constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// ASCII whitespace as C's isspace() in the "C" locale: space, \t, \n, \v, \f, \r.
constexpr bool is_space(char c) noexcept {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// Without leading and trailing ASCII whitespace (line-oriented files).
constexpr std::string_view trim_space(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// XML 1.0's white space (its S production): space, tab, CR and LF; \v and \f are not
// even characters XML allows, so a document holding one is malformed, not blank.
constexpr bool is_xml_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Without leading and trailing XML white space (element text, whole documents).
constexpr std::string_view trim_xml_space(std::string_view s) noexcept {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

// ---------------------------------------------------------------------------
// Hexadecimal

// 0..15 for a hex digit in either case, -1 otherwise.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr bool is_hex_digit(char c) noexcept {
  return hex_value(c) >= 0;
}

inline constexpr std::string_view kHexLower = "0123456789abcdef";
inline constexpr std::string_view kHexUpper = "0123456789ABCDEF";

// Appends two lower-case hex digits per byte.
inline void append_hex_lower(std::string& out, std::span<const std::uint8_t> bytes) {
  const std::size_t at = out.size();
  out.resize(at + bytes.size() * 2);
  char* p = out.data() + at;
  for (const std::uint8_t b : bytes) {
    *p++ = kHexLower[b >> 4];
    *p++ = kHexLower[b & 0x0f];
  }
}

inline std::string hex_lower(std::span<const std::uint8_t> bytes) {
  std::string out;
  append_hex_lower(out, bytes);
  return out;
}

// ---------------------------------------------------------------------------
// UTF-8 (RFC 3629, strict)

// Length (1..4) of the valid UTF-8 sequence starting at text[pos], or 0 when the bytes
// there are not one. Overlong forms, UTF-16 surrogates (U+D800..U+DFFF), code points
// above U+10FFFF and truncated sequences are invalid; NUL and other control characters
// are valid UTF-8 (callers that must refuse them check separately). pos < text.size().
constexpr std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return 1;
  // The second byte's allowed range narrows for E0/ED/F0/F4 (RFC 3629's table), which
  // is what rules out overlong forms, surrogates and code points above U+10FFFF.
  std::size_t continuation = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
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

// Byte offset of the first invalid sequence, or nullopt when all of `text` is valid.
constexpr std::optional<std::size_t> first_invalid_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

constexpr bool is_valid_utf8(std::string_view text) noexcept {
  return !first_invalid_utf8(text).has_value();
}

// Decodes the valid sequence at text[pos] (see utf8_sequence_length) into `out` and
// returns its length, or 0 (and leaves `out` alone) when it is not valid.
constexpr std::size_t decode_utf8(std::string_view text, std::size_t pos, char32_t& out) noexcept {
  const std::size_t len = utf8_sequence_length(text, pos);
  if (len == 0) return 0;
  const auto b0 = static_cast<unsigned char>(text[pos]);
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1Fu) : len == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
  for (std::size_t k = 1; k < len; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[pos + k]) & 0x3Fu);
  }
  out = cp;
  return len;
}

// The longest prefix of `s` of at most `max_bytes` bytes that does not cut a UTF-8
// sequence in two (s is assumed valid).
constexpr std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

// ---------------------------------------------------------------------------
// Addresses

// S3's bucket-naming sense of "formatted as an IP address": four dot-separated groups
// of 1-3 decimal digits (192.168.5.4, and also 999.1.1.1, which S3 refuses as well).
constexpr bool is_dotted_quad(std::string_view s) noexcept {
  int groups = 0;
  while (true) {
    std::size_t digits = 0;
    while (digits < s.size() && is_digit(s[digits])) ++digits;
    if (digits == 0 || digits > 3) return false;
    ++groups;
    s.remove_prefix(digits);
    if (s.empty()) return groups == 4;
    if (s.front() != '.' || groups == 4) return false;
    s.remove_prefix(1);
  }
}

// A host that is an IP literal rather than a name: a bracketed IPv6 address or a
// dotted quad. Virtual-hosted addressing is never used for these.
constexpr bool is_ip_literal_host(std::string_view host) noexcept {
  return (!host.empty() && host.front() == '[') || is_dotted_quad(host);
}

}  // namespace upgate::text
