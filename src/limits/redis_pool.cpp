// The Redis limiter's connection pool, with backoff while Redis is away.
#include "redis_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

namespace upgate::limits::detail {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string milliseconds_text(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

RedisPool::RedisPool(asio::any_io_executor strand, RedisEndpoint endpoint, RedisPoolOptions options,
                     std::function<void(std::string_view)> on_event)
    : strand_(std::move(strand)),
      endpoint_(std::move(endpoint)),
      endpoint_name_(endpoint_.redacted()),
      options_(options),
      on_event_(std::move(on_event)),
      backoff_(options.backoff_initial),
      jitter_state_((reinterpret_cast<std::uintptr_t>(this) ^
                     static_cast<std::uint64_t>(Clock::now().time_since_epoch().count())) |
                    1) {
  options_.size = std::max<std::size_t>(1, options_.size);
}

RedisPool::~RedisPool() {
  close();
}

std::chrono::milliseconds RedisPool::jittered(std::chrono::milliseconds base) {
  // xorshift64: enough to spread reconnecting copies apart.
  jitter_state_ ^= jitter_state_ << 13;
  jitter_state_ ^= jitter_state_ >> 7;
  jitter_state_ ^= jitter_state_ << 17;
  const auto spread = static_cast<std::int64_t>(jitter_state_ % 501) - 250;  // -250..250 per mille
  return base + base * spread / 1000;
}

asio::awaitable<Expected<RedisPool::Lease, StoreError>> RedisPool::open_one() {
  open_.fetch_add(1, std::memory_order_relaxed);
  auto connected = co_await RedisConnection::connect(
      strand_, endpoint_, RedisConnectionOptions{options_.connect_timeout, RespLimits{}});
  if (!connected) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    const auto wait = jittered(backoff_);
    down_ = true;
    down_until_ = Clock::now() + wait;
    last_error_ = connected.error().message;
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    if (on_event_) on_event_(last_error_ + "; next attempt in " + milliseconds_text(wait));
    // Waiters would only time out: let them see the pool is down.
    while (!waiters_.empty()) notify_one_waiter();
    co_return Unexpected(std::move(connected).error());
  }
  connects_.fetch_add(1, std::memory_order_relaxed);
  if (down_ && on_event_) on_event_("redis " + endpoint_name_ + ": connected again");
  down_ = false;
  backoff_ = options_.backoff_initial;
  co_return Lease{std::move(*connected), false};
}

asio::awaitable<Expected<RedisPool::Lease, StoreError>> RedisPool::acquire(
    Clock::time_point deadline) {
  for (;;) {
    if (closed_) {
      co_return Unexpected(StoreError{StoreErrorKind::unavailable, "redis limiter closed"});
    }
    if (!idle_.empty()) {
      Lease lease{std::move(idle_.back()), true};
      idle_.pop_back();
      idle_count_.fetch_sub(1, std::memory_order_relaxed);
      co_return lease;
    }
    const auto now = Clock::now();
    if (down_ && now < down_until_) {
      co_return Unexpected(
          StoreError{StoreErrorKind::unavailable, "redis " + endpoint_name_ + " unreachable (" +
                                                      last_error_ + "); next attempt in " +
                                                      milliseconds_text(down_until_ - now)});
    }
    if (open_.load(std::memory_order_relaxed) < options_.size) co_return co_await open_one();
    if (waiters_.size() >= options_.max_waiters || now >= deadline) {
      co_return Unexpected(StoreError{StoreErrorKind::timeout,
                                      "redis " + endpoint_name_ + ": no free connection in time"});
    }
    Waiter waiter(strand_);
    waiter.timer.expires_at(deadline);
    // Leaves the list however the wait ends, even when the coroutine is destroyed.
    struct Enlisted {
      std::list<Waiter*>& list;
      Waiter& waiter;
      std::list<Waiter*>::iterator position;
      ~Enlisted() {
        if (!waiter.notified) list.erase(position);  // a notifier already took it out
      }
    } enlisted{waiters_, waiter, waiters_.insert(waiters_.end(), &waiter)};
    co_await waiter.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void RedisPool::release(Lease lease) {
  if (!lease.connection) return;
  if (lease.connection->broken() || closed_) {
    lease.connection.reset();
    open_.fetch_sub(1, std::memory_order_relaxed);
  } else {
    idle_.push_back(std::move(lease.connection));
    idle_count_.fetch_add(1, std::memory_order_relaxed);
  }
  notify_one_waiter();
}

void RedisPool::notify_one_waiter() {
  if (waiters_.empty()) return;
  Waiter* waiter = waiters_.front();
  waiters_.pop_front();
  waiter->notified = true;
  waiter->timer.cancel();
}

void RedisPool::drop_idle() {
  open_.fetch_sub(idle_.size(), std::memory_order_relaxed);
  idle_count_.store(0, std::memory_order_relaxed);
  idle_.clear();
}

void RedisPool::close() {
  closed_ = true;
  drop_idle();
  while (!waiters_.empty()) notify_one_waiter();
}

}  // namespace upgate::limits::detail
