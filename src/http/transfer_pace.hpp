// Internal: the minimum transfer rate of a request body or a response, measured like
// Apache's mod_reqtimeout MinRate but over windows, so an early burst buys no credit.
//
// Only the time the connection spends waiting on the peer counts (a handler busy with its
// disk between reads is not the client's fault). That time is cut into windows of
// `window`; a window closes when its waiting time reaches `window` and passes when it
// moved at least min_rate * window bytes. So a client that fills the kernel's buffers at
// once and then trickles is cut off one window later, and one that sends one byte every
// few seconds (just under an idle timeout) within one window.
//
// allowance() is how long the next socket operation may wait: to the end of the window,
// or to the end of the next one when this window already has its bytes (the operation may
// be the one that starts the next window). The connection arms min(idle timeout,
// allowance()) and calls record() when the operation completes. A min_rate of 0 turns
// the check off.
#pragma once

#include <chrono>
#include <cstdint>

namespace upgate::http::detail {

class TransferPace {
 public:
  TransferPace() = default;
  TransferPace(std::uint64_t min_bytes_per_second, std::chrono::milliseconds window) noexcept
      : rate_(min_bytes_per_second), window_(window) {}

  bool enabled() const noexcept { return rate_ > 0 && window_.count() > 0; }

  std::chrono::nanoseconds allowance() const noexcept {
    if (!enabled()) return std::chrono::nanoseconds::max();
    const std::chrono::nanoseconds window = window_;
    const std::chrono::nanoseconds left = window - waited_;
    return bytes_ >= needed() ? left + window : left;
  }

  // One operation: how long it waited and how many bytes it moved. False when a window
  // closed below the rate.
  bool record(std::chrono::nanoseconds waited, std::uint64_t bytes) noexcept {
    if (!enabled()) return true;
    waited_ += waited;
    bytes_ += bytes;
    if (waited_ < window_) return true;
    const bool fast_enough = bytes_ >= needed();
    waited_ = {};
    bytes_ = 0;
    return fast_enough;
  }

  void restart() noexcept {
    waited_ = {};
    bytes_ = 0;
  }

 private:
  std::uint64_t needed() const noexcept {
    return rate_ * static_cast<std::uint64_t>(window_.count()) / 1000;
  }

  std::uint64_t rate_ = 0;
  std::chrono::milliseconds window_{0};
  std::chrono::nanoseconds waited_{0};
  std::uint64_t bytes_ = 0;
};

}  // namespace upgate::http::detail
