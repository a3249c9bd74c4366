// upgate::auth::Clock: where the auth library reads the time.
//
// Token lifetimes (exp, nbf, iat) and key-set refresh schedules are judged in whole
// seconds of the wall clock, as JWT's NumericDate is. Every part that reads the time takes
// a Clock, so tests fix it and nothing in the library calls the system clock behind
// their back. An empty Clock means the system clock.
#pragma once

#include <chrono>
#include <functional>

namespace upgate::auth {

using Clock = std::function<std::chrono::sys_seconds()>;

inline std::chrono::sys_seconds system_now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// `clock`, or the system clock when it is empty.
inline Clock or_system_clock(Clock clock) {
  return clock ? std::move(clock) : Clock(&system_now);
}

}  // namespace upgate::auth
