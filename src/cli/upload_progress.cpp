// Formatting of `upgate upload` progress.
#include "upload_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace upgate::cli {
namespace {
// Room for the usual " 45%  2.3 MB / 5.1 MB  1.2 MB/s  3 s left"; longer ones push the bar.
constexpr int kStatsWidth = 42;
}  // namespace

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  if (unit == 0) return fmt::format("{:.0f} B", bytes);
  if (bytes < 10) return fmt::format("{:.1f} {}", bytes, kUnits[unit]);
  return fmt::format("{:.0f} {}", bytes, kUnits[unit]);
}

std::string format_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return {};
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, (s % 3600) / 60);
}

void RateMeter::sample(std::uint64_t bytes, Clock::time_point now) {
  samples_[next_] = Sample{now, bytes};
  next_ = (next_ + 1) % kSamples;
  count_ = std::min(count_ + 1, kSamples);
}

double RateMeter::bytes_per_second() const {
  if (count_ < 2) return 0;
  const Sample& newest = samples_[(next_ + kSamples - 1) % kSamples];
  const Sample& oldest = samples_[count_ < kSamples ? 0 : next_];
  const double seconds = std::chrono::duration<double>(newest.at - oldest.at).count();
  if (seconds <= 0 || newest.bytes < oldest.bytes) return 0;
  return static_cast<double>(newest.bytes - oldest.bytes) / seconds;
}

std::string render_progress_line(std::string_view name, std::uint64_t sent, std::uint64_t total,
                                 double bytes_per_second, int width) {
  const double fraction =
      total == 0 ? 1.0 : std::min(1.0, static_cast<double>(sent) / static_cast<double>(total));
  std::string stats = fmt::format("{:3.0f}%  {} / {}", std::floor(fraction * 100),
                                  format_bytes(static_cast<double>(sent)),
                                  format_bytes(static_cast<double>(total)));
  if (bytes_per_second > 0) {
    stats += "  " + format_bytes(bytes_per_second) + "/s";
    if (sent < total) {
      stats +=
          "  " + format_seconds(static_cast<double>(total - sent) / bytes_per_second) + " left";
    }
  }

  // name, two spaces, [bar], two spaces, stats. The stats get a fixed width so the bar
  // does not jump as their digits change.
  constexpr int kMinBar = 10;
  constexpr int kMaxBar = 40;
  constexpr int kMaxName = 28;
  const int stats_width = std::max(kStatsWidth, static_cast<int>(stats.size()));
  int name_width = std::min<int>(static_cast<int>(name.size()), kMaxName);
  int bar_width = width - name_width - stats_width - 6;
  if (bar_width < kMinBar) {
    name_width = std::max(8, name_width - (kMinBar - bar_width));
    bar_width = std::max(kMinBar, width - name_width - stats_width - 6);
  }
  bar_width = std::min(bar_width, kMaxBar);

  std::string shown(name);
  if (static_cast<int>(shown.size()) > name_width) {
    // Keep the end, which usually holds the distinguishing part and the extension.
    std::size_t start = shown.size() - static_cast<std::size_t>(name_width - 1);
    while (start < shown.size() && (static_cast<unsigned char>(shown[start]) & 0xC0) == 0x80) {
      ++start;  // not in the middle of a UTF-8 sequence
    }
    shown = "…" + shown.substr(start);
  }
  const int filled = static_cast<int>(std::floor(fraction * bar_width));
  std::string line = fmt::format("{:<{}}  [", shown, name_width);
  line.append(static_cast<std::size_t>(filled), '#');
  line.append(static_cast<std::size_t>(bar_width - filled), '.');
  line += "]  " + stats;
  return line;
}

}  // namespace upgate::cli
