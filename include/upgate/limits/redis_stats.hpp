// What the Redis limiter counts, for the metrics endpoint.
//
// A snapshot (RedisLimiter::stats()) is plain numbers; render_prometheus() writes them in
// the Prometheus text format (0.0.4) the API's /metrics uses, to append to its page:
//   upgate_limits_redis_commands_total                    commands sent
//   upgate_limits_redis_errors_total{kind}                failures by StoreErrorKind
//   upgate_limits_redis_connects_total                    connections opened
//   upgate_limits_redis_script_loads_total                SCRIPT LOADs after NOSCRIPT
//   upgate_limits_redis_command_duration_seconds          histogram of round trips
//   upgate_limits_redis_connections{state}                gauge: open, idle
// Decisions per profile and reason are the API's to count (it knows the profile).
#pragma once

#include <upgate/limits/decision.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace upgate::limits {

inline constexpr std::array<double, 12> kRedisLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};

struct RedisStats {
  std::uint64_t commands = 0;
  std::array<std::uint64_t, kStoreErrorKindCount> errors{};
  std::uint64_t connects = 0;
  std::uint64_t script_loads = 0;
  // Round trips by upper bound (not cumulative: bucket i counts those in
  // (bound[i-1], bound[i]]; the last slot counts those above every bound).
  std::array<std::uint64_t, kRedisLatencyBuckets.size() + 1> latency{};
  double latency_seconds_sum = 0;
  std::uint64_t open_connections = 0;
  std::uint64_t idle_connections = 0;

  std::uint64_t errors_total() const noexcept;
};

std::string render_prometheus(const RedisStats& stats);

}  // namespace upgate::limits
