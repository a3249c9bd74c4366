// Waiting in a test for what another thread makes true, with a bound: a test never sleeps
// a fixed time and never waits for ever. The bound is generous for a loaded machine; a
// passing test goes on as soon as the condition holds. Every C++ suite that polls uses this.
#pragma once

#include <chrono>
#include <thread>

namespace upgate::testing {

// True as soon as condition() is; after `limit`, what it says one last time.
template <class Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

}  // namespace upgate::testing
