#include "lifecycle_sweeper.hpp"

namespace upgate::store {

LifecycleSweeper::LifecycleSweeper(ObjectStore& store, LifecycleSweeperOptions options)
    : store_(store),
      options_(std::move(options)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

LifecycleSweeper::~LifecycleSweeper() {
  stop();
}

void LifecycleSweeper::stop() noexcept {
  thread_.request_stop();  // wakes the wait below through its stop_callback
  if (thread_.joinable()) thread_.join();
}

void LifecycleSweeper::run(std::stop_token stop) {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      // Until the interval has passed or a stop is requested, whichever comes first.
      wake_.wait_for(lock, stop, options_.interval, [] { return false; });
      if (stop.stop_requested()) return;
    }
    auto pass = store_.apply_lifecycle(now_ms(), options_.day, stop);
    if (options_.on_pass) options_.on_pass(pass);
  }
}

}  // namespace upgate::store
