// Internal: the two encodings the engine needs that the shared toolkits lack. Hex out
// is text::hex_lower and standard base64 is sigv4's; these build on them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace upgate::store::detail {

// Hex digits in either case, two per byte; anything else is rejected.
std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view hex);
// base64 with the URL-safe alphabet and no padding (continuation tokens); strict:
// standard-alphabet characters, padding and non-canonical trailing bits are rejected.
std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace upgate::store::detail
