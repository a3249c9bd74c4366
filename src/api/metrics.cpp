// Sharded counters and their Prometheus rendering.
#include "upgate/api/metrics.hpp"

#include <iterator>

#include <fmt/format.h>

#include "upgate/api/auth_outcome.hpp"
#include "upgate/api/prometheus_text.hpp"
#include "upgate/auth/auth_refusal.hpp"
#include "upgate/enum_names.hpp"

namespace upgate::api {
namespace {

constexpr std::size_t kShards = 16;
constexpr std::size_t kStatusCount = ApiMetrics::kStatuses.size();
constexpr std::size_t kBucketCount = ApiMetrics::kBuckets.size() + 1;  // + Inf
constexpr std::size_t kMaxProfiles = 256;
constexpr std::size_t kAuthModeCount = 4;  // auth::AuthMode
// auth::AuthCheck's codes (kKeysUnavailable is its last), then the hook's reasons.
constexpr std::size_t kAuthCheckCount =
    static_cast<std::size_t>(auth::AuthCheck::kKeysUnavailable) + 1;
constexpr std::array<std::string_view, 4> kHookReasons = {kHookRefused, kHookForbidden,
                                                          kHookUnavailable, kHookTimeout};
constexpr std::size_t kAuthReasonCount = kAuthCheckCount + kHookReasons.size();

std::string_view auth_reason_name(std::size_t index) noexcept {
  if (index < kAuthCheckCount) return auth::code(static_cast<auth::AuthCheck>(index));
  return kHookReasons[index - kAuthCheckCount];
}

std::size_t auth_reason_index(std::string_view reason) noexcept {
  for (std::size_t i = 0; i < kAuthReasonCount; ++i) {
    if (auth_reason_name(i) == reason) return i;
  }
  return kAuthReasonCount;
}

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

}  // namespace

struct alignas(64) ApiMetrics::Shard {
  Counter requests[kMetricRouteCount][kStatusCount] = {};
  Counter buckets[kMetricRouteCount][kBucketCount] = {};
  Counter duration_ns[kMetricRouteCount] = {};
  Counter rejections[kErrorCodeCount] = {};
  Counter upload_urls[kMaxProfiles] = {};
  Counter download_urls[kMaxProfiles] = {};
  Counter auth_decisions[kAuthModeCount][kAuthDecisionCount] = {};
  Counter auth_refusals[kAuthReasonCount] = {};
};

constexpr std::string_view kAuthDecisionNames[] = {"accepted", "anonymous", "refused", "forbidden",
                                                   "unavailable"};
static_assert(names_through(kAuthDecisionNames, AuthDecision::unavailable));

std::string_view to_string(AuthDecision decision) noexcept {
  return name_at(kAuthDecisionNames, decision, "refused");
}

// The route labels, which metric_route_from_name reads back.
constexpr std::string_view kMetricRouteNames[] = {
    "seed_presign", "uploads", "downloads", "multipart", "uppy",      "completion", "preflight",
    "healthz",      "readyz",  "metrics",   "demo",      "not_found", "other"};
static_assert(names_through(kMetricRouteNames, MetricRoute::other));

std::string_view to_string(MetricRoute route) noexcept {
  return name_at(kMetricRouteNames, route, "other");
}

MetricRoute metric_route_from_name(std::string_view name) noexcept {
  if (const auto route = value_at_name<MetricRoute>(kMetricRouteNames, name)) return *route;
  if (name == "404" || name == "405") return MetricRoute::not_found;
  if (name.starts_with("multipart_")) return MetricRoute::multipart;  // multipart_create, ...
  if (name.starts_with("uppy_")) return MetricRoute::uppy;            // uppy_params, ...
  return MetricRoute::other;
}

ApiMetrics::ApiMetrics(const std::vector<std::string>& profile_names)
    : profile_names_(new std::string[kMaxProfiles]), shards_(new Shard[kShards]) {
  add_profiles(profile_names);
}

void ApiMetrics::add_profiles(const std::vector<std::string>& profile_names) {
  std::lock_guard lock(adding_profiles_);
  std::size_t count = profile_count_.load(std::memory_order_relaxed);
  for (const std::string& name : profile_names) {
    if (count == kMaxProfiles) break;
    if (profile_index(name) < count) continue;
    profile_names_[count] = name;
    profile_count_.store(++count, std::memory_order_release);
  }
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

// The profile's slot, or kMaxProfiles when it has none.
std::size_t ApiMetrics::profile_index(std::string_view profile) const noexcept {
  const std::size_t count = profile_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < count; ++i) {
    if (profile_names_[i] == profile) return i;
  }
  return kMaxProfiles;
}

void ApiMetrics::record_upload_url(std::string_view profile) noexcept {
  const std::size_t i = profile_index(profile);
  if (i < kMaxProfiles) add(shard().upload_urls[i]);
}

void ApiMetrics::record_download_url(std::string_view profile) noexcept {
  const std::size_t i = profile_index(profile);
  if (i < kMaxProfiles) add(shard().download_urls[i]);
}

void ApiMetrics::record_auth(auth::AuthMode mode, AuthDecision decision,
                             std::string_view reason) noexcept {
  Shard& s = shard();
  add(s.auth_decisions[static_cast<std::size_t>(mode)][static_cast<std::size_t>(decision)]);
  if (decision == AuthDecision::accepted || decision == AuthDecision::anonymous) return;
  const std::size_t r = auth_reason_index(reason);
  if (r < kAuthReasonCount) add(s.auth_refusals[r]);
}

std::uint64_t ApiMetrics::auth_decisions(auth::AuthMode mode,
                                         AuthDecision decision) const noexcept {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    sum += shards_[i]
               .auth_decisions[static_cast<std::size_t>(mode)][static_cast<std::size_t>(decision)]
               .load(std::memory_order_relaxed);
  }
  return sum;
}

std::uint64_t ApiMetrics::auth_refusals(std::string_view reason) const noexcept {
  const std::size_t r = auth_reason_index(reason);
  if (r >= kAuthReasonCount) return 0;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    sum += shards_[i].auth_refusals[r].load(std::memory_order_relaxed);
  }
  return sum;
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
  if (profile_index >= profile_count_.load(std::memory_order_acquire)) return 0;
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
  const std::size_t profiles = profile_count_.load(std::memory_order_acquire);
  for (std::size_t p = 0; p < profiles; ++p) {
    const std::string name = label_value(profile_names_[p]);
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

  out += "# HELP upgate_auth_decisions_total Authentication outcomes, by mode and decision.\n";
  out += "# TYPE upgate_auth_decisions_total counter\n";
  for (std::size_t m = 0; m < kAuthModeCount; ++m) {
    for (std::size_t d = 0; d < kAuthDecisionCount; ++d) {
      fmt::format_to(it, "upgate_auth_decisions_total{{mode=\"{}\",decision=\"{}\"}} {}\n",
                     auth::to_string(static_cast<auth::AuthMode>(m)),
                     to_string(static_cast<AuthDecision>(d)),
                     sum([&](Shard& sh) -> Counter& { return sh.auth_decisions[m][d]; }));
    }
  }

  out += "# HELP upgate_auth_refusals_total Authentication refusals, by the check that failed.\n";
  out += "# TYPE upgate_auth_refusals_total counter\n";
  for (std::size_t r = 0; r < kAuthReasonCount; ++r) {
    fmt::format_to(it, "upgate_auth_refusals_total{{reason=\"{}\"}} {}\n", auth_reason_name(r),
                   sum([&](Shard& sh) -> Counter& { return sh.auth_refusals[r]; }));
  }

  if (open_connections_) {
    out += "# HELP upgate_http_open_connections Connections currently open.\n";
    out += "# TYPE upgate_http_open_connections gauge\n";
    fmt::format_to(it, "upgate_http_open_connections {}\n", open_connections_());
  }
  return out;
}

}  // namespace upgate::api
