// Reloading upgate.toml on SIGHUP: the same checks as start-up, then one swap.
#include "serve_reload.hpp"

#include <spdlog/spdlog.h>

#include <string>

#include "upgate/api/api_runtime.hpp"
#include "upgate/api/json_log.hpp"
#include "upgate/config/environment.hpp"

namespace upgate::cli {
namespace {

bool same_tls(const std::optional<http::TlsSettings>& a,
              const std::optional<http::TlsSettings>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a ||
         (a->files.certificate_chain == b->files.certificate_chain &&
          a->files.private_key == b->files.private_key && a->watch_interval == b->watch_interval);
}

// to.*member = from.*member for each member.
template <class T, class... M>
void copy_members(T& to, const T& from, M T::*... members) {
  ((to.*members = from.*members), ...);
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
  keep(next.demo_api_origins != running.demo_api_origins, "demo_api_origins");
  keep(next.log.level != running.log.level || next.log.access_log != running.log.access_log, "log");
  keep(!same_tls(next.tls, running.tls) || next.https.hsts_max_age != running.https.hsts_max_age,
       "server.tls");
  keep(!same_tls(next.store_tls, running.store_tls), "store.tls");
  keep(next.store_domain != running.store_domain, "store.domain");
  keep(next.clients != running.clients, "server limits (header_timeout, rates, connections)");
  keep(next.store_clients != running.store_clients,
       "store limits (header_timeout, rates, connections)");
  keep(next.http_redirect.has_value() != running.http_redirect.has_value() ||
           (next.http_redirect && (next.http_redirect->host != running.http_redirect->host ||
                                   next.http_redirect->port != running.http_redirect->port)),
       "http_redirect");
  // demo_api_origins is in the page and its CSP, made at start; s3 is the endpoint, bucket
  // and signing credentials of this process.
  using C = api::ApiConfig;
  copy_members(next, running, &C::listen_host, &C::listen_port, &C::threads, &C::drain_period,
               &C::demo_page, &C::demo_api_origins, &C::log, &C::s3, &C::tls, &C::store_tls,
               &C::store_domain, &C::https, &C::clients, &C::store_clients, &C::http_redirect);
  return kept;
}

}  // namespace

ConfigReloader::ConfigReloader(Context context) : context_(std::move(context)) {
  context_.flags.resolve_s3_target = false;  // the S3 target is not reloaded
  signals_.emplace([this] { on_hangup(); }, [this] { release_retired(); });
}

ConfigReloader::~ConfigReloader() {
  signals_.reset();  // joins the thread before the members it uses go
  retired_.clear();
}

void ConfigReloader::on_hangup() {
  // Independent on purpose: certbot renewing a pair must not wait for a good upgate.toml.
  reload();
  reload_certificates();
}

bool ConfigReloader::reload_certificates() {
  bool all = true;
  for (const CertificateReload& listener : context_.certificates) {
    if (!listener.reload()) all = false;  // the observer logged why; the old pair serves
  }
  return all;
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
  const bool cors_changed = next.cors.allowed_origins != running->config().cors.allowed_origins;
  auto runtime = api::ApiRuntime::create(std::move(next), std::move(*auth), context_.credentials);
  const api::ApiConfig& applied = runtime->config();
  context_.server->replace_runtime(runtime);
  retired_.push_back(running);
  if (cors_changed && context_.cors_changed) context_.cors_changed(applied);
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
