// Hex decoding and URL-safe base64, over the shared text toolkit and sigv4's base64.
#include "encoding.hpp"

#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::store::detail {

std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = text::hex_value(hex[2 * i]);
    const int lo = text::hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

// The URL-safe alphabet differs from the standard one in two characters (RFC 4648 §5).
std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  std::string out = sigv4::base64_encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=') return std::nullopt;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  standard.append((4 - standard.size() % 4) % 4, '=');
  std::string out;
  if (!sigv4::base64_decode(standard, out)) return std::nullopt;
  return out;
}

}  // namespace upgate::store::detail
