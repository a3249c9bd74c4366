// SIGHUP in `upgate serve`: re-read upgate.toml and swap the API's runtime snapshot
// (api_runtime.hpp) whole, or keep the running one whole; and load the certificate pair of
// each listener on TLS again. The two are independent: a refused configuration still lets
// renewed certificates in, and a refused pair still lets the new configuration in. Each
// refusal is logged (the reason, never a secret or key material) and keeps its old value.
//
// What a reload changes: the upload profiles (and their metric rows), CORS (and the
// embedded store's bucket CORS, which follows the API's origins), the [auth] modes with their keys
// (the keys file, the JWKS file, the secret's variable, jwks_url), and whatever else the
// runtime snapshot carries. What it keeps, with a warning naming each one that the file
// changed: the listen address, threads, drain period, demo page, log settings and the
// S3 target with its credentials, and the TLS settings (the certificate and key paths,
// the watch interval, hsts_max_age): they belong to sockets, threads and the embedded
// store that live as long as the process. The files at those paths are what a reload
// loads again.
//
// A file that start-up would refuse (a syntax error, a bad value, a keys file that does
// not parse, the open API on a reachable address) is refused as a whole with the same
// message, logged as "reload refused", and the running configuration stays. Requests in
// flight finish with the snapshot they started with; the old snapshot is released here,
// off the I/O threads, once its last request has finished (its JWKS refresher thread is
// joined then).
//
// The signal is taken by the one reload thread (reload_signal.hpp); block_reload_signal()
// must run before the process starts any thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reload_signal.hpp"
#include "serve_runtime.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/api_server.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/tls.hpp"

namespace upgate::config {
class RefreshingCredentials;
}

namespace upgate::cli {

class ConfigReloader {
 public:
  // A listener on TLS: `reload` loads its pair again; its observer (tls_files.hpp) logs the
  // outcome, loaded or refused.
  struct CertificateReload {
    std::string listener;  // "api" or "s3"
    std::function<Expected<http::TlsCertificateInfo, http::TlsError>()> reload;
  };
  struct Context {
    api::ApiFlags flags;  // as start-up read them (the same --config, the same overrides)
    std::vector<PlannedListener> listeners;
    api::ApiServer* server = nullptr;
    std::shared_ptr<spdlog::logger> logger;
    std::shared_ptr<const config::RefreshingCredentials> credentials;
    std::vector<CertificateReload> certificates;
    // After a reload whose CORS origins differ from the running ones, with the new
    // configuration (serve: the embedded store's bucket CORS follows them); may be null.
    std::function<void(const api::ApiConfig&)> cors_changed;
  };

  explicit ConfigReloader(Context context);
  ~ConfigReloader();  // stops and joins the thread
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  // What SIGHUP does: reload() and reload_certificates(), each whatever the other's outcome.
  void on_hangup();
  // One configuration reload, now. True when the new snapshot serves.
  bool reload();
  // Every listener's pair loaded again; true when none was refused.
  bool reload_certificates();

 private:
  void release_retired();

  Context context_;
  std::vector<std::shared_ptr<const api::ApiRuntime>> retired_;
  std::optional<ReloadSignalThread> signals_;  // last: it calls into the members above
};

}  // namespace upgate::cli
