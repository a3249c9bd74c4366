// Byte sizes and durations as people write them in config files.
#include "upgate/config/units.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

#include "upgate/text.hpp"

namespace upgate::config {
namespace {

// Splits "5 MiB" into 5 and "mib"; nullopt when there is no leading integer. Spaces and
// tabs around the number and the unit are allowed.
std::optional<std::pair<std::uint64_t, std::string>> split_number(std::string_view text) {
  text = text::trim(text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  const std::string_view unit =
      text::trim(text.substr(static_cast<std::size_t>(end - text.data())));
  return std::pair{value, text::lower(unit)};
}

std::optional<std::uint64_t> multiply(std::uint64_t value, std::uint64_t factor) {
  if (factor != 0 && value > std::numeric_limits<std::uint64_t>::max() / factor) {
    return std::nullopt;
  }
  return value * factor;
}

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  const auto parts = split_number(text);
  if (!parts) return std::nullopt;
  static const std::array<std::pair<std::string_view, std::uint64_t>, 10> kUnits = {{
      {"", 1},
      {"b", 1},
      {"kb", 1000ULL},
      {"mb", 1000ULL * 1000},
      {"gb", 1000ULL * 1000 * 1000},
      {"tb", 1000ULL * 1000 * 1000 * 1000},
      {"kib", 1024ULL},
      {"mib", 1024ULL * 1024},
      {"gib", 1024ULL * 1024 * 1024},
      {"tib", 1024ULL * 1024 * 1024 * 1024},
  }};
  for (const auto& [unit, factor] : kUnits) {
    if (parts->second == unit) return multiply(parts->first, factor);
  }
  return std::nullopt;
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  const auto parts = split_number(text);
  if (!parts) return std::nullopt;
  std::uint64_t factor = 0;
  if (parts->second.empty() || parts->second == "s") {
    factor = 1;
  } else if (parts->second == "m") {
    factor = 60;
  } else if (parts->second == "h") {
    factor = 3600;
  } else if (parts->second == "d") {
    factor = 86400;
  } else {
    return std::nullopt;
  }
  const auto seconds = multiply(parts->first, factor);
  if (!seconds || *seconds > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return std::chrono::seconds(static_cast<std::int64_t>(*seconds));
}

std::string format_byte_size(std::uint64_t bytes) {
  static const std::array<std::string_view, 4> kUnits = {"KB", "MB", "GB", "TB"};
  std::string_view unit;
  std::uint64_t value = bytes;
  for (std::string_view u : kUnits) {
    if (value == 0 || value % 1024 != 0) break;
    value /= 1024;
    unit = u;
  }
  if (unit.empty()) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  return std::to_string(value) + " " + std::string(unit);
}

}  // namespace upgate::config
