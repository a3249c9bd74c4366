// SIGHUP in `upgate serve`: re-read upgate.toml and swap the API's runtime snapshot
// (api_runtime.hpp) whole, or keep the running one whole.
//
// What a reload changes: the upload profiles, CORS, the [auth] modes with their keys
// (the keys file, the JWKS file, the secret's variable, jwks_url), and whatever else the
// runtime snapshot carries. What it keeps, with a warning naming each one that the file
// changed: the listen address, threads, drain period, demo page, log settings and the
// S3 target with its credentials (they belong to sockets, threads and the embedded store
// that live as long as the process).
//
// A file that start-up would refuse (a syntax error, a bad value, a keys file that does
// not parse, the open API on a reachable address) is refused as a whole with the same
// message, logged as "reload refused", and the running configuration stays. Requests in
// flight finish with the snapshot they started with; the old snapshot is released here,
// off the I/O threads, once its last request has finished (its JWKS refresher thread is
// joined then).
//
// The signal is taken synchronously by a thread of its own (sigtimedwait), so nothing runs
// in a signal handler and a slow reload (a JWKS fetch) never holds an I/O thread.
// block_reload_signal() must run before the process starts any thread, so that every
// thread inherits the blocked mask and SIGHUP waits for this one.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "serve_runtime.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/api_server.hpp"

namespace upgate::config {
class RefreshingCredentials;
}

namespace upgate::cli {

void block_reload_signal();

class ConfigReloader {
 public:
  struct Context {
    api::ApiFlags flags;  // as start-up read them (the same --config, the same overrides)
    std::vector<PlannedListener> listeners;
    api::ApiServer* server = nullptr;
    std::shared_ptr<spdlog::logger> logger;
    std::shared_ptr<const config::RefreshingCredentials> credentials;
  };

  explicit ConfigReloader(Context context);
  ~ConfigReloader();  // stops and joins the thread
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  // One reload, now (the thread calls it on SIGHUP). True when the new snapshot serves.
  bool reload();

 private:
  void run();
  void release_retired();

  Context context_;
  std::vector<std::shared_ptr<const api::ApiRuntime>> retired_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace upgate::cli
