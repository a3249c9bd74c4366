// SIGHUP, the one reload signal of `upgate serve` and `upgate store` (systemctl reload).
//
// Promises:
// - block_reload_signal(), called before the process starts any thread, blocks SIGHUP in
//   every thread the process will have, so the signal stays pending for the one thread
//   that waits for it. Nothing else in the process (no Asio signal_set) listens for it.
// - ReloadSignalThread takes SIGHUP synchronously (sigtimedwait) on a thread of its own and
//   runs on_hangup there, once per signal: nothing runs in a signal handler, and a slow
//   reload (files, a JWKS fetch) never holds an I/O thread. Signals arriving during one
//   reload coalesce into at most one more (the kernel keeps one pending SIGHUP).
// - on_tick runs on the same thread about every 200 ms (housekeeping such as releasing
//   retired snapshots). Destruction stops and joins the thread.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace upgate::cli {

void block_reload_signal();

class ReloadSignalThread {
 public:
  explicit ReloadSignalThread(std::function<void()> on_hangup, std::function<void()> on_tick = {});
  ~ReloadSignalThread();
  ReloadSignalThread(const ReloadSignalThread&) = delete;
  ReloadSignalThread& operator=(const ReloadSignalThread&) = delete;

 private:
  void run();

  std::function<void()> on_hangup_;
  std::function<void()> on_tick_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace upgate::cli
