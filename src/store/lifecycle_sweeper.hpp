// The background thread that applies bucket lifecycle rules (ObjectStore::apply_lifecycle)
// every `interval`, so that incomplete multipart uploads and expired objects go away
// without a request to trigger it, and never on an I/O thread.
//
// Promises:
//  - The first pass runs one `interval` after start, then one every `interval` after the
//    previous pass ended; passes never overlap.
//  - The destructor (or stop()) wakes the thread and joins it; a pass in progress stops
//    after its current batch's commit (apply_lifecycle is a sequence of transactions, so
//    stopping between them leaves nothing half-done).
//  - A failed pass is reported and the next one runs on schedule.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "object_store.hpp"
#include "upgate/s3/lifecycle.hpp"

namespace upgate::store {

struct LifecycleSweeperOptions {
  std::chrono::milliseconds interval = std::chrono::hours(1);
  s3::LifecycleDay day{};  // 24 h; shorter for tests
  // After each pass, with its report or its error (logging; tests). On the sweeper's thread.
  std::function<void(const Expected<LifecycleSweepReport, StoreError>&)> on_pass{};
};

class LifecycleSweeper {
 public:
  LifecycleSweeper(ObjectStore& store, LifecycleSweeperOptions options);
  ~LifecycleSweeper();
  LifecycleSweeper(const LifecycleSweeper&) = delete;
  LifecycleSweeper& operator=(const LifecycleSweeper&) = delete;

  void stop() noexcept;

 private:
  void run(std::stop_token stop);

  ObjectStore& store_;
  LifecycleSweeperOptions options_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started after everything it uses
};

}  // namespace upgate::store
