// How `upgate upload` shows a transfer: sizes and rates in human units, and one line of
// progress bar for a terminal. Pure formatting, no I/O, so the layout is testable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace upgate::cli {

// 999 B, 1.2 kB, 34 MB, 5.0 GB (SI units, like the demo page).
std::string format_bytes(double bytes);
// "4 s", "2 min 5 s", "1 h 3 min"; "" for a negative or non-finite value.
std::string format_seconds(double seconds);

// Speed over a sliding window, so "time left" follows the current rate.
class RateMeter {
 public:
  using Clock = std::chrono::steady_clock;
  void sample(std::uint64_t bytes, Clock::time_point now);
  double bytes_per_second() const;

 private:
  static constexpr int kSamples = 32;
  struct Sample {
    Clock::time_point at;
    std::uint64_t bytes;
  };
  Sample samples_[kSamples]{};
  int count_ = 0;
  int next_ = 0;
};

// "photo.jpg  [#########.........]  45%  2.3 MB / 5.1 MB  1.2 MB/s  3 s left", fitted to
// `width` columns (the name is shortened first, then the bar).
std::string render_progress_line(std::string_view name, std::uint64_t sent, std::uint64_t total,
                                 double bytes_per_second, int width);

}  // namespace upgate::cli
