// Hex decoding, over the shared text toolkit.
#include "encoding.hpp"

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

}  // namespace upgate::store::detail
