// Sharded counters and their Prometheus rendering.
#include "upgate/api/metrics.hpp"

#include <fmt/format.h>

namespace upgate::api {
namespace {

constexpr std::size_t kShards = 16;
constexpr std::size_t kStatusCount = ApiMetrics::kStatuses.size();
constexpr std::size_t kBucketCount = ApiMetrics::kBuckets.size() + 1;  // + Inf
constexpr std::size_t kMaxProfiles = 256;

std::size_t status_index(int status) noexcept {
  for (std::size_t i = 0; i + 1 < kStatusCount; ++i) {
    if (ApiMetrics::kStatuses[i] == status) return i;
  }
  return kStatusCount - 1;  // "other"
}

// Each thread takes the next shard the first time it records anything.
std::size_t this_thread_shard() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return index;
}

using Counter = std::atomic<std::uint64_t>;

void add(Counter& c, std::uint64_t n = 1) noexcept {
  c.fetch_add(n, std::memory_order_relaxed);
}

// Prometheus label values: backslash, quote and newline escaped.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\', out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

struct alignas(64) ApiMetrics::Shard {
  Counter requests[kMetricRouteCount][kStatusCount] = {};
  Counter buckets[kMetricRouteCount][kBucketCount] = {};
  Counter duration_ns[kMetricRouteCount] = {};
  Counter rejections[kErrorCodeCount] = {};
  Counter upload_urls[kMaxProfiles] = {};
  Counter download_urls[kMaxProfiles] = {};
};

std::string_view to_string(MetricRoute route) noexcept {
  switch (route) {
    case MetricRoute::seed_presign:
      return "seed_presign";
    case MetricRoute::uploads:
      return "uploads";
    case MetricRoute::downloads:
      return "downloads";
    case MetricRoute::preflight:
      return "preflight";
    case MetricRoute::healthz:
      return "healthz";
    case MetricRoute::readyz:
      return "readyz";
    case MetricRoute::metrics:
      return "metrics";
    case MetricRoute::demo:
      return "demo";
    case MetricRoute::not_found:
      return "not_found";
    case MetricRoute::other:
      return "other";
  }
  return "other";
}

MetricRoute metric_route_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kMetricRouteCount; ++i) {
    const auto route = static_cast<MetricRoute>(i);
    if (to_string(route) == name) return route;
  }
  if (name == "404" || name == "405") return MetricRoute::not_found;
  return MetricRoute::other;
}

ApiMetrics::ApiMetrics(std::vector<std::string> profile_names)
    : profile_names_(std::move(profile_names)), shards_(new Shard[kShards]) {
  if (profile_names_.size() > kMaxProfiles) profile_names_.resize(kMaxProfiles);
}

ApiMetrics::~ApiMetrics() = default;

ApiMetrics::Shard& ApiMetrics::shard() const noexcept {
  return shards_[this_thread_shard()];
}

void ApiMetrics::record_request(MetricRoute route, int status,
                                std::chrono::nanoseconds duration) noexcept {
  Shard& s = shard();
  const auto r = static_cast<std::size_t>(route);
  add(s.requests[r][status_index(status)]);
  const double seconds = std::chrono::duration<double>(duration).count();
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  add(s.buckets[r][b]);
  add(s.duration_ns[r], static_cast<std::uint64_t>(duration.count() < 0 ? 0 : duration.count()));
}

void ApiMetrics::record_upload_url(std::size_t profile_index) noexcept {
  if (profile_index < profile_names_.size()) add(shard().upload_urls[profile_index]);
}

void ApiMetrics::record_download_url(std::size_t profile_index) noexcept {
  if (profile_index < profile_names_.size()) add(shard().download_urls[profile_index]);
}

void ApiMetrics::record_rejection(ErrorCode reason) noexcept {
  add(shard().rejections[static_cast<std::size_t>(reason)]);
}

void ApiMetrics::set_open_connections_source(std::function<std::size_t()> source) {
  open_connections_ = std::move(source);
}

std::uint64_t ApiMetrics::requests(MetricRoute route, int status) const noexcept {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    sum += shards_[i].requests[static_cast<std::size_t>(route)][status_index(status)].load(
        std::memory_order_relaxed);
  }
  return sum;
}

std::uint64_t ApiMetrics::rejections(ErrorCode reason) const noexcept {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    sum += shards_[i].rejections[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }
  return sum;
}

std::uint64_t ApiMetrics::upload_urls(std::size_t profile_index) const noexcept {
  std::uint64_t sum = 0;
  if (profile_index >= profile_names_.size()) return 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    sum += shards_[i].upload_urls[profile_index].load(std::memory_order_relaxed);
  }
  return sum;
}

std::string ApiMetrics::render() const {
  auto sum = [&](auto&& pick) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < kShards; ++i)
      total += pick(shards_[i]).load(std::memory_order_relaxed);
    return total;
  };
  std::string out;
  out.reserve(16 * 1024);
  auto it = std::back_inserter(out);

  out += "# HELP upgate_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE upgate_http_requests_total counter\n";
  for (std::size_t r = 0; r < kMetricRouteCount; ++r) {
    for (std::size_t s = 0; s < kStatusCount; ++s) {
      const std::uint64_t n = sum([&](Shard& sh) -> Counter& { return sh.requests[r][s]; });
      if (n == 0) continue;
      const int status = kStatuses[s];
      fmt::format_to(it, "upgate_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                     to_string(static_cast<MetricRoute>(r)),
                     status == 0 ? std::string("other") : std::to_string(status), n);
    }
  }

  out += "# HELP upgate_http_request_duration_seconds Time from request header to response end.\n";
  out += "# TYPE upgate_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < kMetricRouteCount; ++r) {
    std::uint64_t cumulative = 0;
    std::uint64_t counts[kBucketCount];
    for (std::size_t b = 0; b < kBucketCount; ++b) {
      counts[b] = sum([&](Shard& sh) -> Counter& { return sh.buckets[r][b]; });
      cumulative += counts[b];
    }
    if (cumulative == 0) continue;
    const std::string_view name = to_string(static_cast<MetricRoute>(r));
    std::uint64_t running = 0;
    for (std::size_t b = 0; b < kBucketCount; ++b) {
      running += counts[b];
      if (b < kBuckets.size()) {
        fmt::format_to(it,
                       "upgate_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                       name, kBuckets[b], running);
      } else {
        fmt::format_to(
            it, "upgate_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
            name, running);
      }
    }
    const std::uint64_t ns = sum([&](Shard& sh) -> Counter& { return sh.duration_ns[r]; });
    fmt::format_to(it, "upgate_http_request_duration_seconds_sum{{route=\"{}\"}} {:.9f}\n", name,
                   static_cast<double>(ns) / 1e9);
    fmt::format_to(it, "upgate_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", name,
                   cumulative);
  }

  out += "# HELP upgate_presigned_urls_total Presigned URLs issued, by profile and method.\n";
  out += "# TYPE upgate_presigned_urls_total counter\n";
  for (std::size_t p = 0; p < profile_names_.size(); ++p) {
    const std::string name = label(profile_names_[p]);
    fmt::format_to(it, "upgate_presigned_urls_total{{profile=\"{}\",method=\"PUT\"}} {}\n", name,
                   sum([&](Shard& sh) -> Counter& { return sh.upload_urls[p]; }));
    fmt::format_to(it, "upgate_presigned_urls_total{{profile=\"{}\",method=\"GET\"}} {}\n", name,
                   sum([&](Shard& sh) -> Counter& { return sh.download_urls[p]; }));
  }

  out += "# HELP upgate_rejections_total Requests refused, by error code.\n";
  out += "# TYPE upgate_rejections_total counter\n";
  for (std::size_t c = 0; c < kErrorCodeCount; ++c) {
    fmt::format_to(it, "upgate_rejections_total{{reason=\"{}\"}} {}\n",
                   to_string(static_cast<ErrorCode>(c)),
                   sum([&](Shard& sh) -> Counter& { return sh.rejections[c]; }));
  }

  if (open_connections_) {
    out += "# HELP upgate_http_open_connections Connections currently open.\n";
    out += "# TYPE upgate_http_open_connections gauge\n";
    fmt::format_to(it, "upgate_http_open_connections {}\n", open_connections_());
  }
  return out;
}

}  // namespace upgate::api
