// Reloading upgate.toml on SIGHUP: the same checks as start-up, then one swap.
#include "serve_reload.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <string>

#include "upgate/api/api_runtime.hpp"
#include "upgate/api/json_log.hpp"
#include "upgate/config/environment.hpp"

namespace upgate::cli {
namespace {

sigset_t reload_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

// Settings that belong to what lives as long as the process: the running ones stay, and
// each one the file changed is named.
std::string keep_process_settings(const api::ApiConfig& running, api::ApiConfig& next) {
  std::string kept;
  const auto keep = [&kept](bool changed, std::string_view name) {
    if (changed) kept += (kept.empty() ? "" : ", ") + std::string(name);
  };
  keep(next.listen_host != running.listen_host || next.listen_port != running.listen_port,
       "listen");
  keep(next.threads != running.threads, "threads");
  keep(next.drain_period != running.drain_period, "drain_seconds");
  keep(next.demo_page != running.demo_page, "demo_page");
  keep(next.log.level != running.log.level || next.log.access_log != running.log.access_log, "log");
  next.listen_host = running.listen_host;
  next.listen_port = running.listen_port;
  next.threads = running.threads;
  next.drain_period = running.drain_period;
  next.demo_page = running.demo_page;
  next.log = running.log;
  next.s3 = running.s3;  // the endpoint, bucket and signing credentials of this process
  return kept;
}

}  // namespace

void block_reload_signal() {
  const sigset_t set = reload_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ConfigReloader::ConfigReloader(Context context) : context_(std::move(context)) {
  context_.flags.resolve_s3_target = false;  // the S3 target is not reloaded
  thread_ = std::thread([this] { run(); });
}

ConfigReloader::~ConfigReloader() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  retired_.clear();
}

void ConfigReloader::run() {
  const sigset_t set = reload_signals();
  const timespec tick{0, 200'000'000};
  while (!stop_.load()) {
    const int signal = sigtimedwait(&set, nullptr, &tick);
    if (signal == SIGHUP) reload();
    release_retired();
  }
}

void ConfigReloader::release_retired() {
  // Only this thread holds a retired snapshot once its last request has finished.
  std::erase_if(retired_, [](const auto& runtime) { return runtime.use_count() == 1; });
}

bool ConfigReloader::reload() {
  spdlog::logger& logger = *context_.logger;
  const std::string path = context_.flags.config_path.value_or(
      config::Environment::process().get("UPGATE_CONFIG").value_or(""));
  const auto refused = [&](std::string_view what, const std::string& reason) {
    api::log_json(logger, spdlog::level::err,
                  api::json_log_line("error", "reload refused; the running configuration is kept",
                                     {{"refused_as", what}, {"reason", reason}, {"config", path}}));
    logger.flush();
    return false;
  };
  api::log_json(logger, spdlog::level::info,
                api::json_log_line("info", "reload requested (SIGHUP)", {{"config", path}}));

  auto loaded = api::load_api_config(config::Environment::process(), context_.flags);
  if (!loaded) return refused("bad configuration", loaded.error().describe());
  api::ApiConfig next = std::move(*loaded);
  const std::shared_ptr<const api::ApiRuntime> running = context_.server->runtime();
  const std::string kept = keep_process_settings(running->config(), next);

  if (auto ok = check_anonymous(next, context_.listeners); !ok) {
    return refused(ok.error().what, ok.error().message);
  }
  auto auth = build_auth_chain(next, context_.logger, true);
  if (!auth) return refused(auth.error().what, auth.error().message);

  std::string profiles;
  for (const auto& p : next.profiles.profiles()) profiles += (profiles.empty() ? "" : ",") + p.name;
  log_auth_posture(next, loopback_only(context_.listeners), logger);
  auto runtime = api::ApiRuntime::create(std::move(next), std::move(*auth), context_.credentials);
  context_.server->replace_runtime(std::move(runtime));
  retired_.push_back(running);
  if (!kept.empty()) {
    api::log_json(logger, spdlog::level::warn,
                  api::json_log_line("warn",
                                     "reload: these settings take effect only after a restart; "
                                     "the running values are kept",
                                     {{"settings", kept}}));
  }
  api::log_json(logger, spdlog::level::info,
                api::json_log_line("info", "configuration reloaded",
                                   {{"config", path}, {"profiles", profiles}}));
  logger.flush();
  return true;
}

}  // namespace upgate::cli
