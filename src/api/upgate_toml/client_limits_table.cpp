// The slow-client and connection-cap keys shared by [server] and [store]. Their ranges
// are checked after the merge (api_config.cpp), which knows which table they came from.
#include <charconv>

#include "upgate/config/units.hpp"
#include "upgate_toml.hpp"

namespace upgate::api {
namespace {

constexpr std::string_view kDuration = "a duration such as 10, \"10s\" or \"1m\"";
constexpr std::string_view kRate = "bytes per second, such as 512 or \"1 KiB\" (0: no minimum)";
constexpr std::string_view kCount = "a whole number (0: no cap)";

std::optional<std::uint64_t> count(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

}  // namespace

std::vector<std::string_view> with_client_limits_keys(std::initializer_list<std::string_view> own) {
  std::vector<std::string_view> known(own);
  known.insert(known.end(), kClientLimitsKeys.begin(), kClientLimitsKeys.end());
  return known;
}

void read_client_limits(KeyReader& r, ClientLimitsTable& out) {
  r.quantity("header_timeout", config::parse_duration, kDuration, out.header_timeout);
  r.quantity("body_min_rate", config::parse_byte_size, kRate, out.body_min_rate);
  r.quantity("send_min_rate", config::parse_byte_size, kRate, out.send_min_rate);
  r.quantity("min_rate_window", config::parse_duration, kDuration, out.min_rate_window);
  r.quantity("max_connections", count, kCount, out.max_connections);
  r.quantity("max_connections_per_client", count, kCount, out.max_connections_per_client);
}

}  // namespace upgate::api
