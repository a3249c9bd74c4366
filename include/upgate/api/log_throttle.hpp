// One log line a second for a failure every request meets at once (an authenticator or a
// limits store that is down): the first caller in each second of the steady clock may log,
// the others are told not to. Lock-free, for any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace upgate::api {

class LogThrottle {
 public:
  // True for the first call in a second; false for the others in the same second.
  bool allow() noexcept {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    std::int64_t last = last_.load(std::memory_order_relaxed);
    return now > last && last_.compare_exchange_strong(last, now, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> last_{0};
};

}  // namespace upgate::api
