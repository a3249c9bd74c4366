// Internal: hex decoding, which the shared toolkits lack (hex out is text::hex_lower;
// base64 and base64url are sigv4's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace upgate::store::detail {

// Hex digits in either case, two per byte; anything else is rejected.
std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view hex);

}  // namespace upgate::store::detail
