// The checks and authenticators of a configuration, shared by start-up, reload and
// check-config.
#include "serve_runtime.hpp"

#include <spdlog/spdlog.h>

#include "upgate/api/json_log.hpp"
#include "upgate/api/jwks_fetcher.hpp"
#include "upgate/api/open_api_guard.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/sigv4/amz_time.hpp"

namespace upgate::cli {
namespace {

// JWKS fetches as log lines: a failure keeps the last good key set, and says so.
auth::JwksCache::EventSink jwks_log(const std::shared_ptr<spdlog::logger>& logger,
                                    std::string url) {
  return [logger, url = api::loggable_url(url)](const auth::JwksEvent& event) {
    const std::string next = sigv4::format_iso8601(event.next_refresh);
    if (event.kind == auth::JwksEvent::Kind::kRefreshed) {
      std::string rejected;
      for (const std::string& r : event.rejected) rejected += (rejected.empty() ? "" : "; ") + r;
      api::log_json(*logger, event.rejected.empty() ? spdlog::level::info : spdlog::level::warn,
                    api::json_log_line(event.rejected.empty() ? "info" : "warn", "jwks refreshed",
                                       {{"jwks_url", url},
                                        {"reason", event.reason},
                                        {"keys", std::to_string(event.keys)},
                                        {"rejected", rejected},
                                        {"next_refresh", next}}));
    } else {
      api::log_json(*logger, spdlog::level::warn,
                    api::json_log_line("warn",
                                       "jwks refresh failed; tokens are judged with the last "
                                       "good key set, or refused with 503 if there is none",
                                       {{"jwks_url", url},
                                        {"reason", event.reason},
                                        {"error", event.error},
                                        {"retry_after", next}}));
    }
  };
}

}  // namespace

Expected<void, ServeRefusal> check_anonymous(const api::ApiConfig& config,
                                             const std::vector<PlannedListener>& listeners) {
  std::vector<api::Listener> views;
  for (const PlannedListener& l : listeners) views.push_back({l.what, l.host, l.port});
  if (auto allowed = api::check_open_api(config.auth, views); !allowed) {
    return Unexpected(ServeRefusal{"refusing to serve anonymously", allowed.error()});
  }
  return {};
}

Expected<std::vector<PlannedListener>, ServeRefusal> checked_listeners(
    const api::ApiConfig& config, const ServeStoreFlags& store) {
  auto store_listen = ServeStore::planned_listen(config, store);
  if (!store_listen) return Unexpected(ServeRefusal{"cannot start", store_listen.error().message});
  std::vector<PlannedListener> listeners{{"the API", config.listen_host, config.listen_port}};
  if (*store_listen) {
    listeners.push_back({"the embedded store", (*store_listen)->host, (*store_listen)->port});
  }
  if (auto ok = check_anonymous(config, listeners); !ok) return Unexpected(std::move(ok).error());
  return listeners;
}

bool loopback_only(const std::vector<PlannedListener>& listeners) {
  bool out = true;
  for (const PlannedListener& l : listeners) out = out && api::is_loopback_host(l.host);
  return out;
}

Expected<std::shared_ptr<api::AuthChain>, ServeRefusal> build_auth_chain(
    const api::ApiConfig& config, const std::shared_ptr<spdlog::logger>& logger, bool background) {
  api::AuthChainOptions options;
  options.start_jwks_refresher = background;
  if (config.auth.jwt && !config.auth.jwt->jwks_url.empty()) {
    s3client::http_client_global_init();
    if (logger) options.jwks_events = jwks_log(logger, config.auth.jwt->jwks_url);
  }
  auto chain = api::AuthChain::create(config.auth, std::move(options));
  if (!chain) return Unexpected(ServeRefusal{"bad configuration", chain.error().describe()});
  return std::move(*chain);
}

void log_auth_posture(const api::ApiConfig& config, bool loopback_only, spdlog::logger& logger) {
  const api::AuthConfig& auth = config.auth;
  if (auth.open()) {
    if (loopback_only) {
      api::log_json(logger, spdlog::level::info,
                    api::json_log_line("info",
                                       "no authentication: URLs are signed for anyone who can "
                                       "reach the loopback listeners (configure [auth] before "
                                       "listening elsewhere)",
                                       {}));
    } else {
      api::log_json(logger, spdlog::level::warn,
                    api::json_log_line("warn",
                                       "ANONYMOUS API ON A REACHABLE ADDRESS (allow_anonymous = "
                                       "true): anyone who can reach it gets URLs for every profile",
                                       {{"listen", config.listen_host}}));
    }
    return;
  }
  std::string modes;
  for (const auto mode : auth.modes)
    modes += (modes.empty() ? "" : ",") + std::string(auth::to_string(mode));
  api::log_json(logger, spdlog::level::info,
                api::json_log_line("info", "authentication", {{"modes", modes}}));
  for (const api::UploadProfile& p : config.profiles.profiles()) {
    const api::ProfileAuth rule = p.auth.value_or(api::ProfileAuth::required);
    if (rule == api::ProfileAuth::none) {
      api::log_json(logger, spdlog::level::warn,
                    api::json_log_line("warn",
                                       "PUBLIC DROP BOX: this profile signs upload URLs for anyone "
                                       "(auth = \"none\")",
                                       {{"profile", p.name}}));
    } else if (rule == api::ProfileAuth::optional) {
      api::log_json(logger, spdlog::level::info,
                    api::json_log_line("info",
                                       "this profile takes anonymous requests (auth = "
                                       "\"optional\"); presented credentials must be valid",
                                       {{"profile", p.name}}));
    }
  }
}

}  // namespace upgate::cli
