// The Redis limiter: admissions as one EVALSHA each, through a small pool on a strand.
#include "upgate/limits/redis_limiter.hpp"

#include <upgate/limits/limit_key.hpp>

#include "observation.hpp"
#include "redis_admission_script.hpp"
#include "redis_pool.hpp"

#include <openssl/evp.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <atomic>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace upgate::limits {
namespace {

namespace asio = boost::asio;
using Reply = Expected<RespValue, StoreError>;
using SteadyClock = std::chrono::steady_clock;

std::vector<std::string_view> views(const std::vector<std::string>& arguments) {
  return std::vector<std::string_view>(arguments.begin(), arguments.end());
}

std::string sha1_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("SHA-1 unavailable");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

// The script's reply, checked for shape, as an Observation.
Expected<detail::Observation, std::string> read_observation(const RespValue& reply,
                                                            std::size_t rates) {
  const std::size_t expected = 2 + rates + 4;
  if (reply.type != RespValue::Type::array || reply.elements.size() != expected) {
    return Unexpected(std::string("the admission script answered something else than its reply"));
  }
  for (const RespValue& element : reply.elements) {
    if (element.type != RespValue::Type::integer) {
      return Unexpected(std::string("the admission script answered a non-integer"));
    }
  }
  const auto at = [&](std::size_t i) { return reply.elements[i].integer; };
  detail::Observation seen;
  seen.now_us = at(0);
  // The script's reason codes, 0, 1, 2, ... in this order.
  constexpr Reason kScriptReasons[] = {Reason::within_limits, Reason::rate_limited,
                                       Reason::too_many_open_uploads, Reason::quota_exceeded};
  if (at(1) < 0 || at(1) >= static_cast<long long>(std::size(kScriptReasons))) {
    return Unexpected(std::string("the admission script answered an unknown reason"));
  }
  seen.reason = kScriptReasons[at(1)];
  if (rates > kMaxRateChecks) return Unexpected(std::string("too many rate checks"));
  for (std::size_t i = 0; i < rates; ++i) seen.rate_tats[i] = at(2 + i);
  const std::size_t tail = 2 + rates;
  if (at(tail) < 0 || at(tail + 2) < 0) {
    return Unexpected(std::string("the admission script answered a negative count"));
  }
  seen.open_uploads = static_cast<std::uint32_t>(std::min<long long>(at(tail), UINT32_MAX));
  seen.earliest_upload_expiry_us = at(tail + 1);
  seen.quota_used = static_cast<std::uint64_t>(at(tail + 2));
  seen.quota_window_start_s = at(tail + 3);
  return seen;
}

}  // namespace

namespace detail {

struct RedisLimiterCore {
  RedisLimiterCore(asio::any_io_executor executor, RedisLimiterOptions opts)
      : strand(asio::make_strand(std::move(executor))),
        options(std::move(opts)),
        pool(strand, options.endpoint,
             RedisPoolOptions{options.pool_size, options.connect_timeout, options.backoff_initial,
                              options.backoff_max, 4096},
             options.on_event),
        endpoint_name(options.endpoint.redacted()),
        script_sha(RedisLimiter::admission_script_sha1()) {}

  asio::strand<asio::any_io_executor> strand;
  RedisLimiterOptions options;
  RedisPool pool;
  std::string endpoint_name;
  std::string script_sha;

  std::atomic<std::uint64_t> commands{0};
  std::array<std::atomic<std::uint64_t>, kStoreErrorKindCount> errors{};
  std::atomic<std::uint64_t> script_loads{0};
  std::array<std::atomic<std::uint64_t>, kRedisLatencyBuckets.size() + 1> latency{};
  std::atomic<std::uint64_t> latency_nanos{0};

  void count_error(const StoreError& error) {
    errors[static_cast<std::size_t>(error.kind)].fetch_add(1, std::memory_order_relaxed);
  }

  void record_latency(SteadyClock::duration elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    std::size_t bucket = 0;
    while (bucket < kRedisLatencyBuckets.size() && seconds > kRedisLatencyBuckets[bucket]) ++bucket;
    latency[bucket].fetch_add(1, std::memory_order_relaxed);
    latency_nanos.fetch_add(
        static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
        std::memory_order_relaxed);
  }
};

}  // namespace detail

namespace {

using Core = detail::RedisLimiterCore;

// One command through the pool, on the strand. A connection that sat idle in the pool and
// turns out closed by the server is retried once on a fresh one: the server dropped it
// before the command (a restart, an idle timeout), so it did not run. (Had Redis died
// between running it and answering, the retry counts one request twice: rare, and on the
// safe side.)
asio::awaitable<Reply> run(std::shared_ptr<Core> core, std::vector<std::string> arguments) {
  const std::vector<std::string_view> command = views(arguments);
  for (int attempt = 0;; ++attempt) {
    auto lease = co_await core->pool.acquire(SteadyClock::now() + core->options.command_timeout);
    if (!lease) {
      core->count_error(lease.error());
      co_return Unexpected(std::move(lease).error());
    }
    const auto started = SteadyClock::now();
    Reply reply = co_await lease->connection->call(command, core->options.command_timeout);
    core->commands.fetch_add(1, std::memory_order_relaxed);
    core->record_latency(SteadyClock::now() - started);
    const bool reused = lease->reused;
    core->pool.release(std::move(*lease));
    if (reply) co_return reply;
    if (reply.error().kind == StoreErrorKind::closed && reused && attempt == 0) {
      core->pool.drop_idle();
      continue;
    }
    core->count_error(reply.error());
    co_return reply;
  }
}

bool is_noscript(const RespValue& reply) {
  return reply.is_error() && reply.text.rfind("NOSCRIPT", 0) == 0;
}

// EVALSHA, and after NOSCRIPT: SCRIPT LOAD, then EVALSHA again.
asio::awaitable<Reply> run_script(std::shared_ptr<Core> core, std::vector<std::string> evalsha) {
  Reply reply = co_await run(core, evalsha);
  if (!reply || !is_noscript(*reply)) co_return reply;
  // Named, not a braced list inside co_await: g++ 12 cannot keep that temporary's array.
  std::vector<std::string> load = {"SCRIPT", "LOAD", std::string(detail::kAdmissionScript)};
  Reply loaded = co_await run(core, std::move(load));
  if (!loaded) co_return loaded;
  if (loaded->type != RespValue::Type::bulk_string || loaded->text != core->script_sha) {
    StoreError error{
        StoreErrorKind::protocol,
        "redis " + core->endpoint_name + ": SCRIPT LOAD did not answer the script's SHA-1"};
    core->count_error(error);
    co_return Unexpected(std::move(error));
  }
  core->script_loads.fetch_add(1, std::memory_order_relaxed);
  if (core->options.on_event) {
    core->options.on_event("redis " + core->endpoint_name + ": admission script loaded");
  }
  co_return co_await run(core, std::move(evalsha));
}

std::string key_in(const Core& core, char space, std::string_view key) {
  std::string out = core.options.key_prefix;
  out += space;
  out += ':';
  out += storage_key(key);
  return out;
}

std::string number(std::int64_t n) {
  return std::to_string(n);
}

std::vector<std::string> evalsha_arguments(const Core& core, const Admission& admission) {
  std::vector<std::string> keys;
  std::vector<std::string> values = {number(static_cast<std::int64_t>(admission.rates.size())),
                                     admission.open_upload ? "1" : "0",
                                     admission.quota ? "1" : "0"};
  for (const RateCheck& check : admission.rates) {
    keys.push_back(key_in(core, 'r', check.key));
    values.push_back(number(check.spec.emission_interval().count()));
    values.push_back(number(check.spec.capacity().count()));
  }
  if (const auto& check = admission.open_upload) {
    keys.push_back(key_in(core, 'u', check->key));
    values.push_back(number(check->spec.max));
    values.push_back(check->upload_id);
    values.push_back(number(std::chrono::microseconds(check->ttl).count()));
  }
  if (const auto& check = admission.quota) {
    keys.push_back(key_in(core, 'q', check->key));
    values.push_back(number(static_cast<std::int64_t>(check->bytes)));
    values.push_back(number(static_cast<std::int64_t>(check->spec.bytes)));
    values.push_back(number(check->spec.window.count()));
  }
  std::vector<std::string> arguments = {"EVALSHA", core.script_sha,
                                        number(static_cast<std::int64_t>(keys.size()))};
  arguments.insert(arguments.end(), keys.begin(), keys.end());
  arguments.insert(arguments.end(), values.begin(), values.end());
  return arguments;
}

// Runs `work` on the limiter's strand and resumes the caller on its own executor. (The
// optional: co_spawn needs a result type that exists without a value.)
template <class T>
asio::awaitable<T> on_strand(const Core& core, asio::awaitable<T> work) {
  auto wrapped = [](asio::awaitable<T> w) -> asio::awaitable<std::optional<T>> {
    co_return co_await std::move(w);
  };
  std::optional<T> result =
      co_await asio::co_spawn(core.strand, wrapped(std::move(work)), asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace

RedisLimiter::RedisLimiter(asio::any_io_executor executor, RedisLimiterOptions options)
    : core_(std::make_shared<Core>(std::move(executor), std::move(options))) {}

RedisLimiter::~RedisLimiter() {
  close();
}

void RedisLimiter::close() {
  asio::post(core_->strand, [core = core_] { core->pool.close(); });
}

asio::awaitable<Decision> RedisLimiter::admit(const Admission& admission) {
  if (std::string problem = admission_problem(admission); !problem.empty()) {
    throw std::invalid_argument("limits admission: " + problem);
  }
  const bool allow = core_->options.on_store_error == StoreErrorPolicy::allow;
  Reply reply = co_await on_strand(*core_, run_script(core_, evalsha_arguments(*core_, admission)));
  if (!reply) co_return detail::store_error_decision(allow, std::move(reply).error());
  if (reply->is_error()) {
    StoreError error{StoreErrorKind::server,
                     "redis " + core_->endpoint_name +
                         ": the admission script failed: " + reply->text.substr(0, 200)};
    core_->count_error(error);
    co_return detail::store_error_decision(allow, std::move(error));
  }
  auto seen = read_observation(*reply, admission.rates.size());
  if (!seen) {
    StoreError error{StoreErrorKind::protocol,
                     "redis " + core_->endpoint_name + ": " + seen.error()};
    core_->count_error(error);
    co_return detail::store_error_decision(allow, std::move(error));
  }
  co_return detail::make_decision(admission, *seen);
}

asio::awaitable<Expected<void, StoreError>> RedisLimiter::release_upload(
    std::string_view key, std::string_view upload_id) {
  std::vector<std::string> zrem = {"ZREM", key_in(*core_, 'u', key), std::string(upload_id)};
  Reply reply = co_await on_strand(*core_, run(core_, std::move(zrem)));
  if (!reply) co_return Unexpected(std::move(reply).error());
  if (reply->is_error()) {
    StoreError error{StoreErrorKind::server, "redis " + core_->endpoint_name +
                                                 ": ZREM failed: " + reply->text.substr(0, 200)};
    core_->count_error(error);
    co_return Unexpected(std::move(error));
  }
  co_return Expected<void, StoreError>{};
}

asio::awaitable<Reply> RedisLimiter::command(std::vector<std::string> arguments) {
  co_return co_await on_strand(*core_, run(core_, std::move(arguments)));
}

RedisStats RedisLimiter::stats() const {
  RedisStats stats;
  stats.commands = core_->commands.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < kStoreErrorKindCount; ++i) {
    stats.errors[i] = core_->errors[i].load(std::memory_order_relaxed);
  }
  stats.connects = core_->pool.connects();
  stats.script_loads = core_->script_loads.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < stats.latency.size(); ++i) {
    stats.latency[i] = core_->latency[i].load(std::memory_order_relaxed);
  }
  stats.latency_seconds_sum =
      static_cast<double>(core_->latency_nanos.load(std::memory_order_relaxed)) / 1e9;
  stats.open_connections = core_->pool.open_connections();
  stats.idle_connections = core_->pool.idle_connections();
  return stats;
}

std::string_view RedisLimiter::admission_script() noexcept {
  return detail::kAdmissionScript;
}

std::string RedisLimiter::admission_script_sha1() {
  static const std::string sha = sha1_hex(detail::kAdmissionScript);
  return sha;
}

}  // namespace upgate::limits
