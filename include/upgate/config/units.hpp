// Human-friendly quantities in configuration: byte sizes and durations.
//
// Sizes: a plain integer is bytes; suffixes B, KB/MB/GB/TB (powers of 1000) and
// KiB/MiB/GiB/TiB (powers of 1024), case-insensitive, optional space ("5 MiB").
// Durations: a plain integer is seconds; suffixes s, m, h, d ("5m", "7d").
// Both refuse fractions, signs, overflow and trailing garbage.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::config {

std::optional<std::uint64_t> parse_byte_size(std::string_view text);
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// "5 MB" for 5 * 1024 * 1024 (the seed's wording, where MB means MiB), "1.5 KB" never:
// exact multiples of 1024^k use the largest unit, anything else is "N bytes".
std::string format_byte_size(std::uint64_t bytes);

}  // namespace upgate::config
