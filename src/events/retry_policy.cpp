#include "upgate/events/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace upgate::events {

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int failed_attempts,
                                      double unit_random, std::chrono::milliseconds retry_after) {
  using std::chrono::milliseconds;
  const auto cap = std::max(policy.cap.count(), std::int64_t{0});
  // base * 2^(n-1) without overflow: stop doubling once past the cap.
  std::int64_t ceiling = std::max(policy.base.count(), std::int64_t{0});
  for (int i = 1; i < failed_attempts && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  const double r = std::clamp(unit_random, 0.0, 1.0);
  auto delay = static_cast<std::int64_t>(std::floor(r * static_cast<double>(ceiling)));
  delay = std::max(delay, std::min(retry_after.count(), cap));
  return milliseconds(delay);
}

}  // namespace upgate::events
