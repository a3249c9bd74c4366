// upgate::api::ApiMetrics: the upload API's Prometheus metrics, cheap enough to update
// on every request at tens of thousands of requests per second.
//
// Counters live in per-thread shards (cache-line aligned, relaxed atomics, a thread
// picks its shard once), so the I/O threads never write to a shared line; render()
// sums the shards. Label sets are fixed — routes, a short list of statuses, the error
// codes — or grow only with the configuration — the profiles, named at construction and
// by add_profiles() when a reload brings new ones (at most 256 in all, never removed: a
// counter does not vanish) — so no client input can grow the label space. Exposed
// (Prometheus text format 0.0.4):
//   upgate_http_requests_total{route,status}
//   upgate_http_request_duration_seconds{route}      histogram
//   upgate_presigned_urls_total{profile,method}      URLs issued (PUT uploads, GET downloads)
//   upgate_rejections_total{reason}                  refused requests by error code
//   upgate_auth_decisions_total{mode,decision}       per authentication mode (jwt, hook,
//                                                    api_key, none): accepted, anonymous,
//                                                    refused (401), forbidden (403),
//                                                    unavailable (503)
//   upgate_auth_refusals_total{reason}               the failed check (auth::AuthCheck
//                                                    codes and the hook's reasons)
//   upgate_http_open_connections                     gauge, from a callback
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/api_error.hpp"
#include "upgate/auth/principal.hpp"

namespace upgate::api {

// The routes metrics are labelled by (the Router's route names map onto these).
enum class MetricRoute : std::uint8_t {
  seed_presign,  // POST /api/s3/getPresignedUrl
  uploads,       // POST /v1/uploads
  downloads,     // GET /v1/downloads
  multipart,     // /v1/multipart and its sign, list, complete and abort
  uppy,        // the Uppy companion routes (/s3/..., /v1/sessions/{token}/s3/...) and /v1/sessions
  completion,  // POST /v1/uploads/complete
  preflight,   // OPTIONS on an API path
  healthz,
  readyz,
  metrics,
  demo,       // the demo page and its assets
  not_found,  // 404/405 and anything unrouted
  other,      // requests the server answered itself (400, 431) or unknown names
};
inline constexpr std::size_t kMetricRouteCount = static_cast<std::size_t>(MetricRoute::other) + 1;
std::string_view to_string(MetricRoute route) noexcept;
MetricRoute metric_route_from_name(std::string_view route_name) noexcept;

enum class AuthDecision : std::uint8_t { accepted, anonymous, refused, forbidden, unavailable };
inline constexpr std::size_t kAuthDecisionCount = 5;
std::string_view to_string(AuthDecision decision) noexcept;

class ApiMetrics {
 public:
  explicit ApiMetrics(const std::vector<std::string>& profile_names);
  ~ApiMetrics();
  ApiMetrics(const ApiMetrics&) = delete;
  ApiMetrics& operator=(const ApiMetrics&) = delete;

  void record_request(MetricRoute route, int status, std::chrono::nanoseconds duration) noexcept;
  // By profile name: a runtime snapshot may list its profiles in another order than the
  // one the metrics were made with; a name not among them is not counted.
  void record_upload_url(std::string_view profile) noexcept;
  void record_download_url(std::string_view profile) noexcept;
  void record_rejection(ErrorCode reason) noexcept;
  // `reason`: the failed check for refused/forbidden/unavailable (ignored otherwise).
  void record_auth(auth::AuthMode mode, AuthDecision decision,
                   std::string_view reason = {}) noexcept;

  // Rows for the names not counted yet (a reload's new profiles), while the I/O threads
  // record; names beyond the 256th are not counted.
  void add_profiles(const std::vector<std::string>& profile_names);

  // A gauge sampled at render time (e.g. the server's open connections).
  void set_open_connections_source(std::function<std::size_t()> source);

  std::string render() const;

  // Sums for tests.
  std::uint64_t requests(MetricRoute route, int status) const noexcept;
  std::uint64_t rejections(ErrorCode reason) const noexcept;
  std::uint64_t upload_urls(std::size_t profile_index) const noexcept;
  std::uint64_t auth_decisions(auth::AuthMode mode, AuthDecision decision) const noexcept;
  std::uint64_t auth_refusals(std::string_view reason) const noexcept;

  static constexpr std::array<int, 16> kStatuses = {200, 204, 304, 400, 401, 403, 404, 405,
                                                    408, 413, 415, 429, 431, 500, 503, 0};
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

 private:
  struct Shard;
  Shard& shard() const noexcept;
  std::size_t profile_index(std::string_view profile) const noexcept;

  // Append-only: slot i is written before profile_count_ is released past i, and never
  // again, so readers need only an acquire load of the count.
  std::unique_ptr<std::string[]> profile_names_;
  std::atomic<std::size_t> profile_count_{0};
  std::mutex adding_profiles_;
  std::unique_ptr<Shard[]> shards_;
  std::function<std::size_t()> open_connections_;
};

}  // namespace upgate::api
