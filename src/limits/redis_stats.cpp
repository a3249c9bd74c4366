// The Redis limiter's counters in the Prometheus text format.
#include "upgate/limits/redis_stats.hpp"

#include <fmt/format.h>

#include <iterator>

namespace upgate::limits {

std::uint64_t RedisStats::errors_total() const noexcept {
  std::uint64_t total = 0;
  for (const std::uint64_t n : errors) total += n;
  return total;
}

std::string render_prometheus(const RedisStats& stats) {
  std::string out;
  auto it = std::back_inserter(out);
  out += "# HELP upgate_limits_redis_commands_total Commands sent to the limits' Redis.\n";
  out += "# TYPE upgate_limits_redis_commands_total counter\n";
  fmt::format_to(it, "upgate_limits_redis_commands_total {}\n", stats.commands);

  out += "# HELP upgate_limits_redis_errors_total Failed Redis calls, by kind.\n";
  out += "# TYPE upgate_limits_redis_errors_total counter\n";
  for (std::size_t kind = 0; kind < kStoreErrorKindCount; ++kind) {
    fmt::format_to(it, "upgate_limits_redis_errors_total{{kind=\"{}\"}} {}\n",
                   to_string(static_cast<StoreErrorKind>(kind)), stats.errors[kind]);
  }

  out += "# HELP upgate_limits_redis_connects_total Connections opened to Redis.\n";
  out += "# TYPE upgate_limits_redis_connects_total counter\n";
  fmt::format_to(it, "upgate_limits_redis_connects_total {}\n", stats.connects);

  out += "# HELP upgate_limits_redis_script_loads_total Scripts loaded again after NOSCRIPT.\n";
  out += "# TYPE upgate_limits_redis_script_loads_total counter\n";
  fmt::format_to(it, "upgate_limits_redis_script_loads_total {}\n", stats.script_loads);

  out += "# HELP upgate_limits_redis_command_duration_seconds Redis round trips.\n";
  out += "# TYPE upgate_limits_redis_command_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kRedisLatencyBuckets.size(); ++i) {
    cumulative += stats.latency[i];
    fmt::format_to(it, "upgate_limits_redis_command_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                   kRedisLatencyBuckets[i], cumulative);
  }
  cumulative += stats.latency.back();
  fmt::format_to(it, "upgate_limits_redis_command_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
                 cumulative);
  fmt::format_to(it, "upgate_limits_redis_command_duration_seconds_sum {}\n",
                 stats.latency_seconds_sum);
  fmt::format_to(it, "upgate_limits_redis_command_duration_seconds_count {}\n", cumulative);

  out += "# HELP upgate_limits_redis_connections Connections to Redis.\n";
  out += "# TYPE upgate_limits_redis_connections gauge\n";
  fmt::format_to(it, "upgate_limits_redis_connections{{state=\"open\"}} {}\n",
                 stats.open_connections);
  fmt::format_to(it, "upgate_limits_redis_connections{{state=\"idle\"}} {}\n",
                 stats.idle_connections);
  return out;
}

}  // namespace upgate::limits
