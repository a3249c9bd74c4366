// The API's limiter: the backend the configuration asks for, its metrics and its log lines.
#include "upgate/api/api_limiter.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>

#include "upgate/api/json_log.hpp"
#include "upgate/api/prometheus_text.hpp"
#include "upgate/limits/memory_limiter.hpp"
#include "upgate/limits/redis_limiter.hpp"

namespace upgate::api {
namespace {

namespace asio = boost::asio;

bool any_limit(const ApiConfig& config) {
  if (config.limits.rate || config.limits.quota) return true;
  for (const UploadProfile& p : config.profiles.profiles()) {
    if (p.limits.any()) return true;
  }
  return false;
}

}  // namespace

// The memory limiter, or the Redis limiter with the thread its I/O runs on.
struct ApiLimiter::Backend {
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::unique_ptr<limits::MemoryLimiter> memory;
  std::unique_ptr<limits::RedisLimiter> redis;

  limits::Limiter& limiter() {
    return memory ? static_cast<limits::Limiter&>(*memory) : static_cast<limits::Limiter&>(*redis);
  }

  ~Backend() {
    redis.reset();  // posts the pool's close to its strand
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

std::unique_ptr<ApiLimiter> ApiLimiter::create(const ApiConfig& config,
                                               std::shared_ptr<spdlog::logger> logger) {
  if (!any_limit(config)) return nullptr;
  auto backend = std::make_unique<Backend>();
  const limits::StoreErrorPolicy policy = config.limits.on_store_error;
  if (config.limits.redis) {
    limits::RedisLimiterOptions options;
    options.endpoint = *config.limits.redis;
    options.on_store_error = policy;
    if (logger) {
      options.on_event = [logger](std::string_view event) {
        log_json(*logger, spdlog::level::warn,
                 json_log_line("warn", "limits store", {{"event", event}}));
      };
    }
    backend->redis =
        std::make_unique<limits::RedisLimiter>(backend->io.get_executor(), std::move(options));
    backend->work.emplace(backend->io.get_executor());
    backend->thread = std::thread([io = &backend->io] { io->run(); });
    if (logger) {
      const std::string endpoint = config.limits.redis->redacted();
      const bool open = policy == limits::StoreErrorPolicy::allow;
      log_json(*logger, open ? spdlog::level::warn : spdlog::level::info,
               json_log_line(open ? "warn" : "info",
                             open ? "limits shared through Redis; when it cannot be asked, "
                                    "requests are admitted WITHOUT limits (on_store_error = allow)"
                                  : "limits shared through Redis; when it cannot be asked, "
                                    "requests are refused with 503 (on_store_error = deny)",
                             {{"redis", endpoint}, {"on_store_error", limits::to_string(policy)}}));
    }
  } else {
    backend->memory = std::make_unique<limits::MemoryLimiter>(limits::MemoryLimiterOptions{
        .max_keys = config.limits.max_keys, .clock = limits::system_clock_now});
    if (logger) {
      log_json(*logger, spdlog::level::info,
               json_log_line("info", "limits kept in memory (this copy only)",
                             {{"max_keys", std::to_string(config.limits.max_keys)}}));
    }
  }
  std::vector<std::string> profiles;
  for (const UploadProfile& p : config.profiles.profiles()) profiles.push_back(p.name);
  profiles.emplace_back("other");
  return std::unique_ptr<ApiLimiter>(
      new ApiLimiter(std::move(backend), std::move(profiles), std::move(logger), policy));
}

ApiLimiter::ApiLimiter(std::unique_ptr<Backend> backend, std::vector<std::string> profiles,
                       std::shared_ptr<spdlog::logger> logger, limits::StoreErrorPolicy policy)
    : backend_(std::move(backend)),
      profiles_(std::move(profiles)),
      counts_(new std::atomic<std::uint64_t>[profiles_.size() * limits::kReasonCount]),
      logger_(std::move(logger)),
      policy_(policy) {
  for (std::size_t i = 0; i < profiles_.size() * limits::kReasonCount; ++i) counts_[i] = 0;
}

ApiLimiter::~ApiLimiter() = default;

bool ApiLimiter::shared() const noexcept {
  return backend_->redis != nullptr;
}

std::size_t ApiLimiter::profile_index(std::string_view profile) const noexcept {
  for (std::size_t i = 0; i + 1 < profiles_.size(); ++i) {
    if (profiles_[i] == profile) return i;
  }
  return profiles_.size() - 1;
}

asio::awaitable<limits::Decision> ApiLimiter::admit(const limits::Admission& admission,
                                                    std::string_view profile) {
  if (auto decision = admit_now(admission, profile)) co_return std::move(*decision);
  limits::Decision decision = co_await backend_->limiter().admit(admission);
  record(decision, profile);
  co_return decision;
}

std::optional<limits::Decision> ApiLimiter::admit_now(const limits::Admission& admission,
                                                      std::string_view profile) {
  if (!backend_->memory) return std::nullopt;
  limits::Decision decision = backend_->memory->decide(admission);
  record(decision, profile);
  return decision;
}

void ApiLimiter::record(const limits::Decision& decision, std::string_view profile) {
  counts_[profile_index(profile) * limits::kReasonCount + static_cast<std::size_t>(decision.reason)]
      .fetch_add(1, std::memory_order_relaxed);
  if (decision.reason == limits::Reason::store_unavailable) log_store_error(decision);
}

asio::awaitable<void> ApiLimiter::release_upload(std::string_view key, std::string_view upload_id) {
  auto released = co_await backend_->limiter().release_upload(key, upload_id);
  if (released || !logger_ || !store_error_log_.allow()) co_return;
  log_json(*logger_, spdlog::level::warn,
           json_log_line("warn",
                         "limits store unavailable: an open-upload slot was not released (it "
                         "frees itself when its ttl ends)",
                         {{"kind", limits::to_string(released.error().kind)},
                          {"detail", released.error().message}}));
}

void ApiLimiter::log_store_error(const limits::Decision& decision) {
  if (!logger_ || !store_error_log_.allow()) return;
  const bool open = decision.allowed;
  const std::string_view kind =
      decision.store_error ? limits::to_string(decision.store_error->kind) : "unknown";
  const std::string message = decision.store_error ? decision.store_error->message : "";
  log_json(*logger_, open ? spdlog::level::warn : spdlog::level::err,
           json_log_line(open ? "warn" : "error",
                         open ? "limits store unavailable: admitting WITHOUT limits "
                                "(on_store_error = allow)"
                              : "limits store unavailable: refusing with 503 "
                                "(on_store_error = deny)",
                         {{"kind", kind}, {"detail", message}}));
}

std::uint64_t ApiLimiter::decisions(std::string_view profile,
                                    limits::Reason reason) const noexcept {
  return counts_[profile_index(profile) * limits::kReasonCount + static_cast<std::size_t>(reason)]
      .load(std::memory_order_relaxed);
}

std::string ApiLimiter::render_metrics() const {
  std::string out =
      "# HELP upgate_limit_decisions_total Rate limit, quota and open-upload decisions.\n"
      "# TYPE upgate_limit_decisions_total counter\n";
  for (std::size_t p = 0; p < profiles_.size(); ++p) {
    for (std::size_t r = 0; r < limits::kReasonCount; ++r) {
      out += "upgate_limit_decisions_total{profile=\"";
      append_label_value(out, profiles_[p]);
      out += "\",reason=\"";
      out += limits::to_string(static_cast<limits::Reason>(r));
      out += "\"} ";
      out += std::to_string(counts_[p * limits::kReasonCount + r].load(std::memory_order_relaxed));
      out += '\n';
    }
  }
  if (backend_->redis) out += limits::render_prometheus(backend_->redis->stats());
  return out;
}

}  // namespace upgate::api
