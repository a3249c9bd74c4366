#include "upgate/limits/redis_stats.hpp"

#include <gtest/gtest.h>

namespace upgate::limits {
namespace {

TEST(RedisStats, RendersPrometheusText) {
  RedisStats stats;
  stats.commands = 7;
  stats.errors[static_cast<std::size_t>(StoreErrorKind::timeout)] = 2;
  stats.connects = 3;
  stats.script_loads = 1;
  stats.latency[0] = 4;  // <= 0.1 ms
  stats.latency[3] = 2;  // <= 1 ms
  stats.latency.back() = 1;
  stats.latency_seconds_sum = 1.5;
  stats.open_connections = 2;
  stats.idle_connections = 1;
  EXPECT_EQ(stats.errors_total(), 2u);
  const std::string text = render_prometheus(stats);
  for (const char* line : {
           "upgate_limits_redis_commands_total 7\n",
           "upgate_limits_redis_errors_total{kind=\"timeout\"} 2\n",
           "upgate_limits_redis_errors_total{kind=\"unavailable\"} 0\n",
           "upgate_limits_redis_connects_total 3\n",
           "upgate_limits_redis_script_loads_total 1\n",
           "upgate_limits_redis_command_duration_seconds_bucket{le=\"0.0001\"} 4\n",
           "upgate_limits_redis_command_duration_seconds_bucket{le=\"0.0005\"} 4\n",
           "upgate_limits_redis_command_duration_seconds_bucket{le=\"0.001\"} 6\n",
           "upgate_limits_redis_command_duration_seconds_bucket{le=\"1\"} 6\n",
           "upgate_limits_redis_command_duration_seconds_bucket{le=\"+Inf\"} 7\n",
           "upgate_limits_redis_command_duration_seconds_sum 1.5\n",
           "upgate_limits_redis_command_duration_seconds_count 7\n",
           "upgate_limits_redis_connections{state=\"open\"} 2\n",
           "upgate_limits_redis_connections{state=\"idle\"} 1\n",
           "# TYPE upgate_limits_redis_command_duration_seconds histogram\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin\n" << text;
  }
}

}  // namespace
}  // namespace upgate::limits
