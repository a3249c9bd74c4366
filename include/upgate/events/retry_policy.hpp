// When a failed webhook delivery is tried again, and when upgate gives up on it.
//
// Exponential backoff with full jitter (the "Full Jitter" of AWS's Architecture Blog,
// "Exponential Backoff And Jitter"): after the n-th failed attempt the next one waits a
// uniformly random time in [0, min(cap, base * 2^(n-1))]. Randomness spreads the retries
// of many deliveries that failed together (a receiver restart) instead of sending them
// back in lock-step. A receiver's Retry-After (429, 503) is a lower bound for that wait,
// capped at `cap`.
//
// The window: a delivery is retried while the next attempt would still fall within
// `window` of its first attempt (of the event's queueing, or of the last replay); the
// failure after which it would not makes it a dead letter, kept for listing and replay.
// With the defaults (5 s base, 1 h cap, 24 h window) that is about 57 attempts on average:
// ten in the first 45 minutes, then one every 30 minutes.
#pragma once

#include <chrono>

namespace upgate::events {

struct RetryPolicy {
  std::chrono::milliseconds base{5'000};
  std::chrono::milliseconds cap{3'600'000};
  std::chrono::milliseconds window{24LL * 3'600'000};
};

// The wait before the next attempt after `failed_attempts` (>= 1) failures; `unit_random`
// is uniform in [0, 1) (the caller's random source, so tests choose it), `retry_after` the
// receiver's request (zero when it made none).
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int failed_attempts,
                                      double unit_random,
                                      std::chrono::milliseconds retry_after = {});

}  // namespace upgate::events
