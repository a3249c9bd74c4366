// Internal: the Redis limiter's few connections, opened on demand, reused, and opened
// again with backoff when Redis goes away.
//
// Everything runs on one strand (the limiter's), so nothing here is locked. acquire()
// hands out an idle connection, or opens one while fewer than `size` exist, or waits for
// one to come back until the deadline. After a failed connect the pool is down for a
// backoff (initial, doubling to max, each with +-25% jitter so many copies do not return
// at once); while down, acquire() fails at once with StoreErrorKind::unavailable, so a
// dead Redis costs requests nothing but the on_store_error answer. The first connect after
// the backoff probes Redis again.
#pragma once

#include <upgate/limits/redis_connection.hpp>

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace upgate::limits::detail {

struct RedisPoolOptions {
  std::size_t size = 4;
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::size_t max_waiters = 4096;
};

class RedisPool {
 public:
  struct Lease {
    std::unique_ptr<RedisConnection> connection;
    bool reused = false;  // it sat idle in the pool, so the server may have dropped it
  };

  RedisPool(boost::asio::any_io_executor strand, RedisEndpoint endpoint, RedisPoolOptions options,
            std::function<void(std::string_view)> on_event);
  ~RedisPool();

  boost::asio::awaitable<Expected<Lease, StoreError>> acquire(
      std::chrono::steady_clock::time_point deadline);
  // Healthy connections go back to the idle list; broken ones are dropped.
  void release(Lease lease);
  // Closes every idle connection (after one turned out stale).
  void drop_idle();
  // Closes everything and refuses further acquire() calls.
  void close();

  std::uint64_t connects() const noexcept { return connects_.load(std::memory_order_relaxed); }
  std::uint64_t open_connections() const noexcept { return open_.load(std::memory_order_relaxed); }
  std::uint64_t idle_connections() const noexcept {
    return idle_count_.load(std::memory_order_relaxed);
  }

 private:
  struct Waiter {
    explicit Waiter(const boost::asio::any_io_executor& executor) : timer(executor) {}
    boost::asio::steady_timer timer;
    bool notified = false;
  };

  boost::asio::awaitable<Expected<Lease, StoreError>> open_one();
  void notify_one_waiter();
  std::chrono::milliseconds jittered(std::chrono::milliseconds base);

  boost::asio::any_io_executor strand_;
  RedisEndpoint endpoint_;
  std::string endpoint_name_;
  RedisPoolOptions options_;
  std::function<void(std::string_view)> on_event_;

  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::list<Waiter*> waiters_;
  bool closed_ = false;
  bool down_ = false;
  std::chrono::steady_clock::time_point down_until_{};
  std::chrono::milliseconds backoff_;
  std::string last_error_;
  std::uint64_t jitter_state_;

  std::atomic<std::uint64_t> open_{0};
  std::atomic<std::uint64_t> idle_count_{0};
  std::atomic<std::uint64_t> connects_{0};
};

}  // namespace upgate::limits::detail
