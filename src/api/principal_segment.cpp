// Principal ids as key segments: an injective escaping.
#include "upgate/api/principal_segment.hpp"

#include <span>

#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

constexpr std::size_t kLongHashBytes = 16;
constexpr std::string_view kLongMarker = "_h";

bool kept(char c, std::size_t at) {
  return text::is_alnum(c) || c == '-' || (c == '.' && at > 0);
}

// 0..15 for '0'-'9' and 'A'-'F', the digits the encoder writes; -1 otherwise.
int upper_hex_value(char c) {
  return text::is_hex_digit(c) && !(c >= 'a' && c <= 'f') ? text::hex_value(c) : -1;
}

void append_escape(std::string& out, unsigned char byte) {
  out += '_';
  out += text::kHexUpper[byte >> 4];
  out += text::kHexUpper[byte & 0x0f];
}

// The length of the canonical escaped text at the start of `s` that contains no long-form
// marker; `s.size()` when all of it is.
std::size_t canonical_prefix_length(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c != '_') {
      if (!kept(c, i)) return i;
      ++i;
      continue;
    }
    if (i + 2 >= s.size()) return i;
    const int hi = upper_hex_value(s[i + 1]);
    const int lo = upper_hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return i;  // not an escape (lower-case hex is not canonical)
    const auto byte = static_cast<char>(hi * 16 + lo);
    if (kept(byte, i)) return i;  // a byte the encoder keeps is never escaped
    i += 3;
  }
  return i;
}

}  // namespace

std::string principal_segment(std::string_view id) {
  std::string out;
  out.reserve(id.size() + 8);
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (kept(c, out.size())) {
      out += c;
    } else {
      append_escape(out, static_cast<unsigned char>(c));
    }
  }
  if (out.size() <= kMaxPrincipalSegmentBytes) return out;

  // Cut at the last escape or kept byte that ends within the prefix budget.
  std::size_t cut = 0;
  while (cut < out.size()) {
    const std::size_t step = out[cut] == '_' ? 3 : 1;
    if (cut + step > kLongPrincipalPrefixBytes) break;
    cut += step;
  }
  out.resize(cut);
  out += kLongMarker;
  const sigv4::Sha256Digest digest = sigv4::sha256(id);
  text::append_hex_lower(out, std::span(digest).first(kLongHashBytes));
  return out;
}

bool is_principal_segment(std::string_view segment) {
  if (segment.empty() || segment.size() > kMaxPrincipalSegmentBytes) return false;
  const std::size_t canonical = canonical_prefix_length(segment);
  if (canonical == segment.size()) return true;
  // Otherwise only a long form: a non-empty canonical prefix, the marker, the hash.
  const std::size_t hash_digits = kLongHashBytes * 2;
  if (canonical == 0 || canonical > kLongPrincipalPrefixBytes ||
      segment.size() != canonical + kLongMarker.size() + hash_digits ||
      segment.substr(canonical, kLongMarker.size()) != kLongMarker) {
    return false;
  }
  for (const char c : segment.substr(canonical + kLongMarker.size())) {
    if (!text::is_hex_digit(c) || (c >= 'A' && c <= 'F')) return false;
  }
  return true;
}

}  // namespace upgate::api
