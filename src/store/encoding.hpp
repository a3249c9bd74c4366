// Hex and base64 for digests and opaque tokens, internal to the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace upgate::store::detail {

std::string hex_lower(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view hex);
std::string base64_encode(std::span<const std::uint8_t> bytes);
// Standard alphabet with padding; anything else is rejected.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
// Same, URL-safe alphabet without padding (continuation tokens).
std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

}  // namespace upgate::store::detail
