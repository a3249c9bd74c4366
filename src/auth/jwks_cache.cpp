// The JWKS cache: fixed keys plus the last good fetched set, refreshed by max-age, after
// failures and on unknown kids, published as an atomic snapshot.
#include "upgate/auth/jwks_cache.hpp"

#include <pthread.h>

#include <algorithm>
#include <charconv>

#include "upgate/text.hpp"

namespace upgate::auth {

using std::chrono::seconds;
using std::chrono::sys_seconds;

std::optional<seconds> cache_control_max_age(std::string_view cache_control) {
  std::optional<seconds> max_age;
  bool no_cache = false;
  while (!cache_control.empty()) {
    const std::size_t comma = cache_control.find(',');
    const std::string_view directive = text::trim(cache_control.substr(0, comma));
    cache_control.remove_prefix(comma == std::string_view::npos ? cache_control.size() : comma + 1);
    const std::size_t eq = directive.find('=');
    const std::string_view name = text::trim(directive.substr(0, eq));
    if (text::iequals(name, "no-store") || text::iequals(name, "no-cache")) {
      no_cache = true;
      continue;
    }
    if (!text::iequals(name, "max-age") || eq == std::string_view::npos) continue;
    std::string_view value = text::trim(directive.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    std::uint32_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc() && end == value.data() + value.size() && !value.empty() && !max_age) {
      max_age = seconds(n);
    }
  }
  if (no_cache) return seconds(0);
  return max_age;
}

JwksCache::JwksCache(KeySet fixed_keys, JwksFetcher fetcher, Clock clock, JwksTiming timing,
                     JwkImport import, EventSink events)
    : fixed_(std::move(fixed_keys)),
      fetcher_(std::move(fetcher)),
      clock_(or_system_clock(std::move(clock))),
      timing_(timing),
      import_(import),
      events_(std::move(events)) {
  snapshot_.store(std::make_shared<const KeySet>(fixed_));
  generation_.store(1);
  ready_.store(!fetcher_);
  next_refresh_ = fetcher_ ? clock_() : sys_seconds::max();
}

JwksCache::~JwksCache() {
  stop();
}

std::shared_ptr<const KeySet> JwksCache::keys() const noexcept {
  return snapshot_.load();
}

std::uint64_t JwksCache::generation() const noexcept {
  return generation_.load();
}

bool JwksCache::ready() const noexcept {
  return ready_.load();
}

void JwksCache::publish(KeySet fetched) {
  // The snapshot first, then the generation: whoever reads the new generation is sure to
  // load the new keys, so a verified-token cache never files a result from the old keys
  // under the new generation.
  snapshot_.store(std::make_shared<const KeySet>(fixed_.merged_with(fetched)));
  generation_.fetch_add(1);
}

bool JwksCache::fetch(std::string_view reason, sys_seconds now) {
  last_attempt_.store(now.time_since_epoch().count());
  JwksEvent event;
  event.reason = reason;
  std::string error;
  try {
    auto response = fetcher_();
    if (!response) {
      error = std::move(response).error();
    } else {
      auto parsed = parse_jwks(response->body, import_);
      if (!parsed) {
        error = std::move(parsed).error();
      } else if (parsed->keys.empty()) {
        error = "the JWK Set holds no usable key (" + std::to_string(parsed->rejected.size()) +
                " refused)";
        event.rejected = std::move(parsed->rejected);
      } else {
        const seconds max_age = std::clamp(
            cache_control_max_age(response->cache_control).value_or(timing_.default_max_age),
            timing_.min_max_age, timing_.max_max_age);
        event.keys = parsed->keys.size();
        event.rejected = std::move(parsed->rejected);
        publish(std::move(parsed->keys));
        ready_.store(true);
        next_refresh_ = now + max_age;
        event.kind = JwksEvent::Kind::kRefreshed;
        event.next_refresh = next_refresh_;
        if (events_) events_(event);
        return true;
      }
    }
  } catch (const std::exception& e) {
    error = std::string("the JWKS fetch failed: ") + e.what();
  }
  next_refresh_ = now + timing_.retry_after_failure;
  event.kind = JwksEvent::Kind::kRefreshFailed;
  event.error = std::move(error);
  event.next_refresh = next_refresh_;
  if (events_) events_(event);
  return false;
}

bool JwksCache::refresh() {
  if (!fetcher_) return false;
  std::lock_guard lock(fetch_mutex_);
  return fetch(ready_.load() ? "refresh" : "start", clock_());
}

sys_seconds JwksCache::step() {
  if (!fetcher_) return sys_seconds::max();
  std::lock_guard lock(fetch_mutex_);
  const sys_seconds now = clock_();
  if (now >= next_refresh_) fetch(ready_.load() ? "max-age" : "retry", now);
  return next_refresh_;
}

bool JwksCache::unknown_kid_refresh_allowed() const noexcept {
  if (!fetcher_) return false;
  const std::int64_t now = clock_().time_since_epoch().count();
  return now - last_attempt_.load() >= timing_.unknown_kid_interval.count();
}

bool JwksCache::refresh_for_unknown_kid() {
  if (!unknown_kid_refresh_allowed()) return false;
  std::lock_guard lock(fetch_mutex_);
  // Whoever held the lock before may have fetched already: check again.
  if (!unknown_kid_refresh_allowed()) return false;
  return fetch("unknown kid", clock_());
}

void JwksCache::start() {
  if (!fetcher_ || thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) {
    // Named for `top -H` and /proc/PID/task/*/comm (the reload tests count these threads).
    pthread_setname_np(pthread_self(), "upgate-jwks");
    while (!stop.stop_requested()) {
      const sys_seconds next = step();
      // Sleep by the clock's distance to the next fetch, bounded so that a clock that jumps
      // (or a test's fixed clock) neither oversleeps nor spins.
      const seconds wait =
          std::clamp<seconds>(std::chrono::duration_cast<seconds>(next - std::min(next, clock_())),
                              seconds(1), seconds(3600));
      std::unique_lock lock(wait_mutex_);
      wake_.wait_for(lock, stop, wait, [] { return false; });
    }
  });
}

void JwksCache::stop() noexcept {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

}  // namespace upgate::auth
