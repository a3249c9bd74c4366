// upgate::limits::RedisLimiter: the limits shared by every copy of upgate, in Redis.
//
// One admission is one Lua script run with EVALSHA: one round trip, atomic, with the same
// steps as the memory limiter (admission.hpp) and the same Decision. The script reads the
// time with Redis' TIME, so copies whose clocks disagree still agree on every bucket.
// When Redis answers NOSCRIPT (restarted, SCRIPT FLUSH, a failover), the limiter sends
// SCRIPT LOAD and runs the script again: three round trips, once.
//
// Keys (`key_prefix` then r:, u: or q: and limit_key.hpp's storage_key()):
//   <prefix>r:<key>  string: the bucket's tat in microseconds      PX until it is full
//   <prefix>u:<key>  sorted set: upload id -> expiry in microseconds  PEXPIRE at the last
//   <prefix>q:<key>  hash: w (window start, s), u (bytes used)      PEXPIRE at window end
// Every key expires once its state is the same as no state, so Redis memory stays bounded
// by the keys in use (with a margin of one millisecond, so no key expires early).
//
// I/O: the limiter does its network work on a strand of `executor` (give it an executor
// whose context runs while the limiter lives: a dedicated io_context thread, or one of the
// server's). admit() may be called from any executor and resumes its caller there. A small
// pool holds up to `pool_size` connections; a connection that sat idle and turns out
// closed is retried once on a fresh one. Connects are bounded by connect_timeout, each
// command by command_timeout; after a failed connect the pool backs off (see
// src/limits/redis_pool.hpp) and admissions fail fast meanwhile.
//
// Failures (unreachable, timeout, protocol, an error reply) give a Decision with
// Reason::store_unavailable, `allowed` as on_store_error says, and the StoreError; they
// are counted in stats(). on_event receives one line when the connection is lost or comes
// back and when the script is loaded again, for the log: it names the endpoint in its
// redacted form only, and is called on the limiter's strand (keep it short).
#pragma once

#include <upgate/limits/limiter.hpp>
#include <upgate/limits/redis_stats.hpp>
#include <upgate/limits/redis_url.hpp>
#include <upgate/limits/resp.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace upgate::limits {

namespace detail {
struct RedisLimiterCore;
}

struct RedisLimiterOptions {
  RedisEndpoint endpoint;
  StoreErrorPolicy on_store_error = StoreErrorPolicy::allow;
  std::size_t pool_size = 4;
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{250};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::string key_prefix = "upgate:limits:";
  std::function<void(std::string_view)> on_event;
};

class RedisLimiter final : public Limiter {
 public:
  RedisLimiter(boost::asio::any_io_executor executor, RedisLimiterOptions options);
  ~RedisLimiter() override;
  RedisLimiter(const RedisLimiter&) = delete;
  RedisLimiter& operator=(const RedisLimiter&) = delete;

  boost::asio::awaitable<Decision> admit(const Admission& admission) override;
  // One ZREM: one round trip.
  boost::asio::awaitable<Expected<void, StoreError>> release_upload(
      std::string_view key, std::string_view upload_id) override;

  // Any command through the same pool, e.g. PING for a readiness check.
  boost::asio::awaitable<Expected<RespValue, StoreError>> command(
      std::vector<std::string> arguments);

  RedisStats stats() const;
  // Closes the connections; admissions after it are store_unavailable.
  void close();

  // The Lua script and its SHA-1 (lowercase hex), as EVALSHA names it.
  static std::string_view admission_script() noexcept;
  static std::string admission_script_sha1();

 private:
  std::shared_ptr<detail::RedisLimiterCore> core_;
};

}  // namespace upgate::limits
