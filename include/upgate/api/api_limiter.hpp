// upgate::api::ApiLimiter: the limiter `upgate serve` asks once per API request, made from
// the configuration: in memory (limits::MemoryLimiter) or, with `[limits] redis_url`,
// shared through Redis (limits::RedisLimiter on a thread of its own, so no I/O thread
// of the server waits on Redis), plus what the operator sees of it:
//
//   upgate_limit_decisions_total{profile,reason}   every decision, by the reason names of
//                                                  limits::to_string(Reason)
//   upgate_limits_redis_*                          the Redis client's counters and latency
//   log lines: at start-up (which backend; a warning when on_store_error = "allow", since
//   the limits then fail open), when Redis is lost or back (the client's events), and for
//   decisions Redis could not make (a warning when admitted without limits, an error when
//   refused), each at most once per second.
//
// create() is null when no profile and no [limits] key sets a limit: the API then asks
// nothing. Profiles named later (a reloaded configuration) are counted under "other".
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "upgate/api/api_config.hpp"
#include "upgate/api/log_throttle.hpp"
#include "upgate/limits/decision.hpp"
#include "upgate/limits/limiter.hpp"

namespace upgate::api {

class ApiLimiter {
 public:
  static std::unique_ptr<ApiLimiter> create(const ApiConfig& config,
                                            std::shared_ptr<spdlog::logger> logger);
  ~ApiLimiter();
  ApiLimiter(const ApiLimiter&) = delete;
  ApiLimiter& operator=(const ApiLimiter&) = delete;

  // limits::Limiter::admit(), counted under `profile` and logged when the store failed.
  boost::asio::awaitable<limits::Decision> admit(const limits::Admission& admission,
                                                 std::string_view profile);
  // The same decision at once, when the backend gives it without waiting (in memory),
  // counted the same way; nullopt when it must be awaited (Redis: admit()). The API's
  // requests take this path first: a coroutine frame per call (several above a kilobyte,
  // which Asio's frame cache does not keep) cost more than the in-memory decision itself.
  std::optional<limits::Decision> admit_now(const limits::Admission& admission,
                                            std::string_view profile);
  // limits::Limiter::release_upload(); a store that could not be asked is logged (the slot
  // then frees itself when its ttl ends).
  boost::asio::awaitable<void> release_upload(std::string_view key, std::string_view upload_id);

  bool shared() const noexcept;
  // The metrics above in the Prometheus text format, for /metrics.
  std::string render_metrics() const;
  std::uint64_t decisions(std::string_view profile, limits::Reason reason) const noexcept;

  struct Backend;

 private:
  ApiLimiter(std::unique_ptr<Backend> backend, std::vector<std::string> profiles,
             std::shared_ptr<spdlog::logger> logger, limits::StoreErrorPolicy policy);
  std::size_t profile_index(std::string_view profile) const noexcept;
  // Counts a decision under its profile; logs one the store could not make.
  void record(const limits::Decision& decision, std::string_view profile);
  void log_store_error(const limits::Decision& decision);

  std::unique_ptr<Backend> backend_;
  std::vector<std::string> profiles_;  // the last one is "other"
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::shared_ptr<spdlog::logger> logger_;
  limits::StoreErrorPolicy policy_;
  // Every request fails the same way while Redis is down: one line a second says so.
  LogThrottle store_error_log_;
};

}  // namespace upgate::api
