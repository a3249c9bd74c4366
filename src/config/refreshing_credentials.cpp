// Keeping the signing credentials fresh: when to re-resolve, and the snapshot swap.
#include "upgate/config/refreshing_credentials.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "upgate/sigv4/amz_time.hpp"

namespace upgate::config {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

sys_seconds system_now() {
  return std::chrono::floor<seconds>(std::chrono::system_clock::now());
}

constexpr sys_seconds kNever = sys_seconds::max();

}  // namespace

seconds refresh_window(seconds lifetime, const RefreshTiming& timing) {
  return std::clamp(lifetime / 2, timing.min_refresh_window, timing.max_refresh_window);
}

std::vector<RefreshingCredentials::FileStamp> RefreshingCredentials::stamp(
    const std::vector<std::string>& files) {
  std::vector<FileStamp> out(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    struct stat st {};
    if (::stat(files[i].c_str(), &st) != 0) continue;
    out[i].exists = true;
    out[i].device = static_cast<std::uint64_t>(st.st_dev);
    out[i].inode = static_cast<std::uint64_t>(st.st_ino);
    out[i].size = static_cast<std::uint64_t>(st.st_size);
    out[i].mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                      static_cast<std::int64_t>(st.st_mtim.tv_nsec);
  }
  return out;
}

RefreshingCredentials::RefreshingCredentials(std::shared_ptr<CredentialsProvider> provider,
                                             AwsCredentials initial, Clock clock,
                                             RefreshTiming timing, EventSink events)
    : provider_(std::move(provider)),
      clock_(clock ? std::move(clock) : Clock(system_now)),
      timing_(timing),
      events_(std::move(events)),
      watched_(provider_ ? provider_->watched_files() : std::vector<std::string>{}),
      current_(std::make_shared<const AwsCredentials>(std::move(initial))),
      fetched_at_(clock_()),
      stamps_(stamp(watched_)) {}

RefreshingCredentials::~RefreshingCredentials() {
  stop();
}

std::shared_ptr<const AwsCredentials> RefreshingCredentials::current() const noexcept {
  std::lock_guard lock(current_mutex_);
  return current_;
}

bool RefreshingCredentials::usable(sys_seconds now) const noexcept {
  const auto snapshot = current();
  if (!snapshot->credentials.valid()) return false;
  return !snapshot->expiration || *snapshot->expiration - now >= timing_.min_url_lifetime;
}

sys_seconds RefreshingCredentials::step(std::stop_token stop) {
  std::lock_guard lock(step_mutex_);
  const sys_seconds now = clock_();
  auto snapshot = current();

  auto refresh_due_at = [&](const AwsCredentials& c) {
    return *c.expiration - refresh_window(*c.expiration - fetched_at_, timing_);
  };
  const bool expiring = snapshot->expiration && now >= refresh_due_at(*snapshot);
  auto stamps = stamp(watched_);
  const bool files_changed = stamps != stamps_;
  bool pending = expiring || files_changed;

  if (provider_ && !provider_->fixed() && pending && now >= next_attempt_) {
    const std::string_view reason = expiring ? "expiring" : "files changed";
    auto resolved = provider_->resolve(now, stop);
    // A source that hands out the same session again (a cache not yet renewed) has not
    // refreshed anything: retry as after a failure rather than every few seconds.
    if (resolved && expiring && !files_changed && snapshot->expiration && resolved->expiration &&
        *resolved->expiration <= *snapshot->expiration) {
      resolved = Unexpected(ConfigError{
          resolved->source, "handed out credentials expiring no later than the current ones (" +
                                sigv4::format_iso8601(*resolved->expiration) + ")"});
    }
    if (resolved) {
      auto fresh = std::make_shared<const AwsCredentials>(std::move(*resolved));
      {
        std::lock_guard lock(current_mutex_);
        current_ = fresh;
      }
      snapshot = std::move(fresh);
      fetched_at_ = now;
      stamps_ = std::move(stamps);
      failures_ = 0;
      next_attempt_ = now + timing_.min_refresh_spacing;
      pending = false;
      if (events_) {
        CredentialsEvent event;
        event.kind = CredentialsEvent::Kind::refreshed;
        event.reason = reason;
        event.access_key_id = snapshot->credentials.access_key_id;
        event.expiration = snapshot->expiration;
        event.source = snapshot->source;
        events_(event);
      }
    } else if (!stop.stop_requested()) {
      ++failures_;
      const unsigned doublings = std::min(failures_ - 1, 16u);
      const seconds retry = std::min<seconds>(timing_.first_retry * (std::int64_t{1} << doublings),
                                              timing_.max_retry);
      next_attempt_ = now + retry;
      if (events_) {
        CredentialsEvent event;
        event.kind = CredentialsEvent::Kind::refresh_failed;
        event.reason = reason;
        event.error = resolved.error().describe();
        event.retry_in = retry;
        event.current_expiration = snapshot->expiration;
        events_(event);
      }
    }
  }

  // When to look again: the next refresh due, the next retry, the next file check.
  sys_seconds next = kNever;
  if (!watched_.empty()) next = now + timing_.file_check_interval;
  if (snapshot->expiration)
    next = std::min(next, std::max(refresh_due_at(*snapshot), next_attempt_));
  if (pending) next = std::min(next, next_attempt_);
  if (!provider_ || provider_->fixed()) next = kNever;
  return next == kNever ? kNever : std::max(next, now + seconds(1));
}

void RefreshingCredentials::start() {
  if (!provider_ || provider_->fixed() || thread_.joinable()) return;
  if (watched_.empty() && !current()->expiration) return;  // nothing can ever change
  thread_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      const sys_seconds next = step(stop);
      std::unique_lock lock(wait_mutex_);
      if (next == kNever) {
        wake_.wait(lock, stop, [] { return false; });
      } else {
        wake_.wait_until(lock, stop, std::chrono::system_clock::time_point(next),
                         [] { return false; });
      }
    }
  });
}

void RefreshingCredentials::stop() noexcept {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

}  // namespace upgate::config
