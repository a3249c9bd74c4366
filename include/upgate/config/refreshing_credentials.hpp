// upgate::config::RefreshingCredentials: the credentials `upgate serve` signs with, kept
// fresh in the background so temporary credentials never force a restart.
//
// current() hands each request an immutable snapshot (a shared_ptr swapped under a mutex
// held only to copy or replace the pointer): signing never waits for a refresh, and a
// refresh never waits for signing. A background
// thread re-resolves through the provider:
//  - temporary credentials once less than their refresh window remains: half their
//    lifetime as fetched, at least 60 s and at most 15 min (the AWS SDKs refresh 5 to
//    15 min ahead);
//  - any credentials when one of the provider's watched files changes (device, inode, size
//    or modification time, followed through symlinks), so a rotated ~/.aws/credentials is
//    picked up within file_check_interval (10 s).
// Successful refreshes are at least min_refresh_spacing (5 s) apart, so credentials that
// live shorter than their window cannot make it spin. A failed refresh keeps the old
// credentials, reports the error and is retried after 2 s, 4 s, 8 s ... at most 30 s, until
// one succeeds; credentials expiring no later than the current ones count as a failure. A
// fixed provider (the environment's keys) is never asked again.
//
// usable(now) turns false once the snapshot's remaining life is below min_url_lifetime:
// /readyz then takes the copy out of its load balancer, and the API answers 503 rather than
// hand out URLs that die in flight.
//
// step() is the whole policy: one check at the clock's now, returning when the next check
// is due. start() runs it in a loop on a thread of its own; tests drive it with an
// injected clock and no thread. Events never carry a secret or a session token.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "upgate/config/aws_credentials.hpp"

namespace upgate::config {

struct RefreshTiming {
  std::chrono::seconds min_refresh_window{60};
  std::chrono::seconds max_refresh_window{15 * 60};
  std::chrono::seconds min_refresh_spacing{5};
  std::chrono::seconds file_check_interval{10};
  std::chrono::seconds first_retry{2};
  std::chrono::seconds max_retry{30};
  std::chrono::seconds min_url_lifetime = kMinUsefulUrlLifetime;
};

// How long before expiry credentials that lived `lifetime` when fetched are refreshed.
std::chrono::seconds refresh_window(std::chrono::seconds lifetime, const RefreshTiming& timing);

struct CredentialsEvent {
  enum class Kind : std::uint8_t { refreshed, refresh_failed };
  Kind kind = Kind::refreshed;
  std::string_view reason;  // "expiring", "files changed"
  // refreshed: the new credentials' public parts.
  std::string access_key_id;
  std::optional<std::chrono::sys_seconds> expiration;
  std::string source;
  // refresh_failed: why (ConfigError::describe()), when the next try is, and until when
  // the credentials in use still sign.
  std::string error;
  std::chrono::seconds retry_in{0};
  std::optional<std::chrono::sys_seconds> current_expiration;
};

class RefreshingCredentials {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  using EventSink = std::function<void(const CredentialsEvent&)>;

  // `initial` is what `provider` resolved at start-up.
  RefreshingCredentials(std::shared_ptr<CredentialsProvider> provider, AwsCredentials initial,
                        Clock clock = {}, RefreshTiming timing = {}, EventSink events = {});
  ~RefreshingCredentials();  // stop()
  RefreshingCredentials(const RefreshingCredentials&) = delete;
  RefreshingCredentials& operator=(const RefreshingCredentials&) = delete;

  // The credentials to sign with now; never null. Safe from any thread.
  std::shared_ptr<const AwsCredentials> current() const noexcept;
  // Whether current() can still sign a URL of min_url_lifetime at `now`.
  bool usable(std::chrono::sys_seconds now) const noexcept;
  const RefreshTiming& timing() const noexcept { return timing_; }

  // One check at the clock's now (resolving when due); returns when the next is due
  // (time_point::max() when nothing can ever change). Not concurrent with itself.
  std::chrono::sys_seconds step(std::stop_token stop = {});

  // Runs step() on a background thread until stop(); does nothing when nothing can ever
  // change (a fixed provider, or credentials that do not expire and no watched files).
  void start();
  // Stops the thread, abandoning a running credential process. Idempotent.
  void stop() noexcept;

 private:
  // What stat() says of a watched file; a file that appears or disappears changes too.
  struct FileStamp {
    bool exists = false;
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  static std::vector<FileStamp> stamp(const std::vector<std::string>& files);

  std::shared_ptr<CredentialsProvider> provider_;
  Clock clock_;
  RefreshTiming timing_;
  EventSink events_;
  std::vector<std::string> watched_;
  // Not std::atomic<std::shared_ptr>: libstdc++ 12's is no faster here (about 20-40 ns a
  // copy either way) and ThreadSanitizer reports races inside it (google/sanitizers#1558).
  mutable std::mutex current_mutex_;
  std::shared_ptr<const AwsCredentials> current_;

  std::mutex step_mutex_;  // the state below belongs to step()
  std::chrono::sys_seconds fetched_at_;
  std::vector<FileStamp> stamps_;
  std::chrono::sys_seconds next_attempt_{};
  unsigned failures_ = 0;

  std::mutex wait_mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace upgate::config
