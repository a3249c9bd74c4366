// What `upgate serve` serves from a configuration, built the same way at start-up, on
// SIGHUP (serve_reload.hpp) and by `upgate check-config`, so the three accept and refuse
// the same files with the same messages:
//   the listeners it puts on the network (the API, the embedded store)
//   -> the open-API guard (open_api_guard.hpp: no [auth] only on loopback, unless
//      allow_anonymous = true)
//   -> the authenticators (auth_chain.hpp: the keys file, the JWKS file, the secret's
//      variable, a first fetch of jwks_url)
// and, once serving, one log line per weakened default (log_auth_posture).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serve_store.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/auth_chain.hpp"
#include "upgate/expected.hpp"

namespace spdlog {
class logger;
}

namespace upgate::cli {

struct PlannedListener {
  std::string what;  // "the API", "the embedded store"
  std::string host;
  std::uint16_t port = 0;
};

struct ServeRefusal {
  std::string what;     // the log line's msg: "bad configuration", "refusing to serve anonymously"
  std::string message;  // one line, for stderr and the log's "reason"
};

// Where the configuration listens, refused by the guard when it would sign for anyone
// who can reach it.
Expected<std::vector<PlannedListener>, ServeRefusal> checked_listeners(
    const api::ApiConfig& config, const ServeStoreFlags& store);
// The guard alone, for listeners already decided (a reload keeps them).
Expected<void, ServeRefusal> check_anonymous(const api::ApiConfig& config,
                                             const std::vector<PlannedListener>& listeners);
bool loopback_only(const std::vector<PlannedListener>& listeners);

// The authenticators of config.auth. `logger` (may be null) gets the JWKS refresh lines;
// `background` starts the JWKS refresher thread (serve), not for check-config.
Expected<std::shared_ptr<api::AuthChain>, ServeRefusal> build_auth_chain(
    const api::ApiConfig& config, const std::shared_ptr<spdlog::logger>& logger, bool background);

// Who may get URLs, said once per configuration served; what weakens a default (an open
// API on a reachable address, a profile with auth = "none") is a warning.
void log_auth_posture(const api::ApiConfig& config, bool loopback_only, spdlog::logger& logger);

}  // namespace upgate::cli
