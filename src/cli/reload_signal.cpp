// SIGHUP waited for by one thread with sigtimedwait.
#include "reload_signal.hpp"

#include <signal.h>

#include <ctime>

namespace upgate::cli {
namespace {

sigset_t reload_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_reload_signal() {
  const sigset_t set = reload_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ReloadSignalThread::ReloadSignalThread(std::function<void()> on_hangup,
                                       std::function<void()> on_tick)
    : on_hangup_(std::move(on_hangup)), on_tick_(std::move(on_tick)) {
  thread_ = std::thread([this] { run(); });
}

ReloadSignalThread::~ReloadSignalThread() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ReloadSignalThread::run() {
  const sigset_t set = reload_signals();
  const timespec tick{0, 200'000'000};
  while (!stop_.load()) {
    const int signal = sigtimedwait(&set, nullptr, &tick);
    if (signal == SIGHUP && on_hangup_) on_hangup_();
    if (on_tick_) on_tick_();
  }
}

}  // namespace upgate::cli
