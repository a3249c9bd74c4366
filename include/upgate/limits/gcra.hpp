// The arithmetic of the limits, as pure integer functions of microseconds since the epoch.
//
// Rates are GCRA (the generic cell rate algorithm, a token bucket kept as one number): a
// bucket is its theoretical arrival time `tat`, the moment it would be full again. A
// request costs one emission interval T; the bucket holds `capacity` (burst * T) of them.
// A request at `now` passes when tat + T - capacity <= now, and then tat becomes
// max(tat, now) + T. An absent bucket is a full one (tat = now), so state may be dropped
// as soon as tat <= now.
//
// Quotas count bytes in windows aligned to the epoch (UTC hours and days): the window of
// `now` starts at now - now % window.
//
// The memory limiter calls these; the Redis script (redis_admit_script.cpp) does the same
// steps in Lua, and the property test holds both to the same answers.
#pragma once

#include <algorithm>
#include <cstdint>

namespace upgate::limits::gcra {

struct Bucket {
  std::int64_t interval_us;  // T
  std::int64_t capacity_us;  // burst * T

  // The stored tat, or a full bucket.
  static constexpr std::int64_t effective_tat(std::int64_t now, std::int64_t stored_tat) {
    return std::max(stored_tat, now);
  }
  constexpr bool allows(std::int64_t now, std::int64_t tat) const {
    return tat + interval_us - capacity_us <= now;
  }
  // How long until one request would pass (0 when one passes now).
  constexpr std::int64_t wait_us(std::int64_t now, std::int64_t tat) const {
    return std::max<std::int64_t>(0, tat + interval_us - capacity_us - now);
  }
  // Whole requests the bucket holds at `now`.
  constexpr std::int64_t remaining(std::int64_t now, std::int64_t tat) const {
    const std::int64_t room = capacity_us - (tat - now);
    return room <= 0 ? 0 : room / interval_us;
  }
};

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

// Whole seconds, rounded up: a client told to wait 1.2 s waits 2.
constexpr std::int64_t ceil_seconds(std::int64_t micros) {
  return micros <= 0 ? 0 : (micros + kMicrosPerSecond - 1) / kMicrosPerSecond;
}

// The start (in seconds since the epoch) of the quota window holding `now`.
constexpr std::int64_t window_start_seconds(std::int64_t now_us, std::int64_t window_seconds) {
  const std::int64_t now_s = now_us / kMicrosPerSecond;
  return now_s - now_s % window_seconds;
}

}  // namespace upgate::limits::gcra
