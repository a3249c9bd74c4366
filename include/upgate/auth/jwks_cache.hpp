// upgate::auth::JwksCache: the key set a JWT deployment verifies with, kept current.
//
// Its inputs are fixed keys (jwks_file, secret_env) and, optionally, a JWKS document that a
// caller-supplied JwksFetcher returns (jwks_url). The library does no HTTP: the API's
// wiring supplies a fetcher that GETs jwks_url with the project's HTTP client (with its
// timeout and a size bound) and returns the body and the Cache-Control header. Every
// snapshot is the fixed keys followed by the last good fetched set.
//
// Reading (keys(), generation()) is safe from any thread and never waits for a fetch: the
// snapshot is a std::atomic<std::shared_ptr<const KeySet>> replaced whole after a fetch
// has been parsed. (libstdc++ 12 guards that atomic with a lock bit inside the object,
// held only for the pointer copy and reference-count increment; a fetch in progress
// never holds it.)
//
// Fetching happens only in refresh(), step() and refresh_for_unknown_kid(), which block
// for as long as the fetcher does: call them from a background thread (start()) or a
// blocking pool, never from an I/O thread. Fetches are serialised; the rules:
//  - a successful fetch is kept for its Cache-Control max-age (no-store and no-cache count
//    as 0), clamped to [min_max_age, max_max_age]; default_max_age when the header says
//    nothing;
//  - a failed fetch (the fetcher's error, a document that is not a JWK Set, a set with no
//    usable key) keeps the last good set and is retried after retry_after_failure;
//  - a token whose kid is not in the set may trigger a fetch, at most once per
//    unknown_kid_interval (30 s) counted from the last fetch of any kind, so a stream of
//    tokens with made-up kids costs the provider at most two requests a minute;
//  - a key that disappears from the fetched set is gone from the next snapshot (rotation).
// Until a fetch has succeeded, ready() is false and a token that finds no key is refused
// with kKeysUnavailable (503) rather than kUnknownKey: the token may be fine.
//
// generation() grows by one with every snapshot; verified-token caches store it so that
// a result from an older key set is never reused.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "upgate/auth/clock.hpp"
#include "upgate/auth/key_set.hpp"
#include "upgate/expected.hpp"

namespace upgate::auth {

struct JwksResponse {
  std::string body;
  std::string cache_control;  // the response's Cache-Control value; empty when absent
};

// Fetches the JWKS document once. An error is a one-line reason for the log (no secrets:
// the fetcher must not put credentials of the URL in it).
using JwksFetcher = std::function<Expected<JwksResponse, std::string>()>;

struct JwksTiming {
  std::chrono::seconds min_max_age{60};
  std::chrono::seconds max_max_age{24 * 3600};
  std::chrono::seconds default_max_age{300};
  std::chrono::seconds unknown_kid_interval{30};
  std::chrono::seconds retry_after_failure{30};
};

// The freshness lifetime a Cache-Control value gives (max-age=N; 0 for no-store or
// no-cache), or nullopt when it names none. Malformed directives are ignored.
std::optional<std::chrono::seconds> cache_control_max_age(std::string_view cache_control);

struct JwksEvent {
  enum class Kind : unsigned char { kRefreshed, kRefreshFailed };
  Kind kind = Kind::kRefreshed;
  std::string_view reason;            // "start", "max-age", "unknown kid", "retry"
  std::size_t keys = 0;               // kRefreshed: usable keys fetched
  std::vector<std::string> rejected;  // kRefreshed: keys refused one by one
  std::string error;                  // kRefreshFailed
  std::chrono::sys_seconds next_refresh{};
};

class JwksCache {
 public:
  using EventSink = std::function<void(const JwksEvent&)>;

  // No fetcher: the fixed keys are the whole set, ready() from the start, and the refresh
  // functions do nothing.
  JwksCache(KeySet fixed_keys, JwksFetcher fetcher = {}, Clock clock = {}, JwksTiming timing = {},
            JwkImport import = {}, EventSink events = {});
  ~JwksCache();  // stop()
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  // The current snapshot; never null.
  std::shared_ptr<const KeySet> keys() const noexcept;
  std::uint64_t generation() const noexcept;
  // Whether a fetched set (or no fetcher at all) stands behind keys().
  bool ready() const noexcept;
  bool has_fetcher() const noexcept { return static_cast<bool>(fetcher_); }

  // Fetches now, whatever the schedule (start-up). True when the fetch succeeded.
  bool refresh();
  // Fetches when the max-age (or the retry after a failure) has run out; returns when the
  // next fetch is due (time_point::max() without a fetcher).
  std::chrono::sys_seconds step();
  // Whether refresh_for_unknown_kid() would fetch now. Cheap; never blocks on a fetch.
  bool unknown_kid_refresh_allowed() const noexcept;
  // Fetches unless a fetch started less than unknown_kid_interval ago (then returns
  // false at once, or after waiting for a fetch in progress). True when it fetched and
  // succeeded.
  bool refresh_for_unknown_kid();

  // Runs step() on a thread of its own (named "upgate-jwks") until stop(). Does nothing
  // without a fetcher.
  void start();
  void stop() noexcept;

 private:
  bool fetch(std::string_view reason, std::chrono::sys_seconds now);  // with fetch_mutex_ held
  void publish(KeySet fetched);

  KeySet fixed_;
  JwksFetcher fetcher_;
  Clock clock_;
  JwksTiming timing_;
  JwkImport import_;
  EventSink events_;

  std::atomic<std::shared_ptr<const KeySet>> snapshot_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> ready_{false};
  // Seconds since the epoch of the last fetch attempt, for the cheap unknown-kid check.
  std::atomic<std::int64_t> last_attempt_{std::numeric_limits<std::int64_t>::min() / 2};

  std::mutex fetch_mutex_;  // serialises fetches; guards next_refresh_
  std::chrono::sys_seconds next_refresh_{};

  std::mutex wait_mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace upgate::auth
