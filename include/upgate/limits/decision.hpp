// upgate::limits::Decision: what Limiter::admit() answers, for the response and the logs.
//
// `allowed` is the verdict. `reason` says why, with one value per way to refuse and a
// distinct store_unavailable for "the shared store (Redis) could not be asked": then
// `allowed` follows on_store_error, `store_error` says what failed, and `limits` is empty
// (nothing is known), so the caller can log and count it apart from real refusals.
//
// `limits` holds one LimitState per check of the Admission, in its order (rates, then the
// open-upload check, then the quota), as the RateLimit header fields report them
// (ratelimit_headers.hpp): after consumption when the request was admitted, unchanged
// otherwise. `retry_after` is the wait before the refusing limit would let the same
// request through (the longest wait when several rates refuse), rounded up to a second.
//
// Rate states: limit = the count per period (q), window = the period (w), remaining = the
// whole requests the bucket holds now (r), reset = seconds until the bucket is full again
// (t), or, on the refusing bucket, until it holds one request.
// Open uploads: limit = max_open_uploads, remaining = free slots, reset only on refusal
// (seconds until the oldest slot expires), no window.
// Quota: limit and window of the spec, remaining = bytes left in the window, reset =
// seconds until the window ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace upgate::limits {

enum class Reason : std::uint8_t {
  within_limits,
  rate_limited,
  too_many_open_uploads,
  quota_exceeded,
  store_unavailable,
};
inline constexpr std::size_t kReasonCount = static_cast<std::size_t>(Reason::store_unavailable) + 1;
// "within_limits", "rate_limited", ...: stable names for logs and metric labels.
std::string_view to_string(Reason reason) noexcept;

enum class LimitKind : std::uint8_t { rate, open_uploads, quota };

struct LimitState {
  std::string policy;
  LimitKind kind = LimitKind::rate;
  std::uint64_t limit = 0;
  std::optional<std::uint64_t> window_seconds;
  std::uint64_t remaining = 0;
  std::optional<std::uint64_t> reset_seconds;
  bool refused = false;  // this limit refused the request

  friend bool operator==(const LimitState&, const LimitState&) = default;
};

// Why the shared store could not answer. The message names the endpoint only in its
// redacted form and never carries a password or a command's arguments.
enum class StoreErrorKind : std::uint8_t {
  unavailable,  // down: connect refused or failed recently, waiting before the next attempt
  connect,      // the connection or its handshake failed
  auth,         // AUTH or SELECT refused
  timeout,      // no (complete) reply in time, or no free connection in time
  closed,       // the server closed the connection
  protocol,     // a reply that is not RESP, too large, or not the shape the script returns
  server,       // an error reply (OOM, READONLY, BUSY, a script error ...)
};
inline constexpr std::size_t kStoreErrorKindCount =
    static_cast<std::size_t>(StoreErrorKind::server) + 1;
std::string_view to_string(StoreErrorKind kind) noexcept;

struct StoreError {
  StoreErrorKind kind = StoreErrorKind::unavailable;
  std::string message;

  friend bool operator==(const StoreError&, const StoreError&) = default;
};

struct Decision {
  bool allowed = true;
  Reason reason = Reason::within_limits;
  std::uint64_t retry_after_seconds = 0;  // refusals by a limit only
  std::vector<LimitState> limits;
  // The backend's clock when it decided (microseconds since the Unix epoch): the memory
  // limiter's injected clock, or the Redis server's TIME. For logs and tests.
  std::chrono::microseconds decided_at{0};
  std::optional<StoreError> store_error;

  const LimitState* refusing_limit() const noexcept;

  friend bool operator==(const Decision&, const Decision&) = default;
};

// The sentence for the error body of a refusal, naming the limit:
//   "rate limit exceeded: 60 requests per minute (policy \"avatars\"); retry in 12 s"
//   "upload quota exceeded: 10 GB per day (policy \"avatars-quota\"); retry in 3600 s"
//   "too many open uploads: at most 5 at once (policy \"avatars-uploads\"); retry in 300 s"
//   "upload limits are unavailable; retry later"  (store_unavailable, denied)
// Empty for an allowed decision.
std::string refusal_message(const Decision& decision);

// "60 requests per minute", "10 GB per day", "at most 5 at once".
std::string describe_limit(const LimitState& state);

}  // namespace upgate::limits
