// The embedded store inside `upgate serve`: when no S3 endpoint is configured,
// serve starts the store beside the API, so the whole flow runs on one machine.
//
// ServeStore::start() runs before the API is created, because the API signs
// with what it decides: the store's root key is the configured AWS credentials
// when there are some, else the store's own (<data-dir>/credentials, generated
// on first start), and they are written into config.s3.credentials; with
// --store-listen HOST:0 the endpoint's port becomes the bound one. The bucket
// (config.s3.bucket) is created, and given the lifecycle rule that aborts incomplete
// multipart uploads after config.store_abort_incomplete_days unless it has a lifecycle
// configuration already (0: no rule). With config.store_tls the store speaks HTTPS and the
// URLs signed for it are https://. With config.store_domain the store also answers
// BUCKET.DOMAIN and the endpoint's host becomes DOMAIN, so URLs are
// scheme://BUCKET.DOMAIN:PORT/KEY (virtual-hosted unless path style was asked for).
// allow_api_origins() then sets the bucket's CORS for the API's origins (the demo page's,
// http://127.0.0.1:PORT and http://localhost:PORT, plus --cors-origin ones) once the API's port is
// known, and again after a reload that changes the API's CORS origins (serve_reload.hpp).
//
// A store that should start but cannot (port taken, data directory locked by
// another process) is an error, returned before the API binds: serve must not
// hand out URLs that point at nothing. The message is one line naming the cause
// and the flag that gets round it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "upgate/api/api_config.hpp"
#include "upgate/expected.hpp"
#include "upgate/store/object_change.hpp"

namespace spdlog {
class logger;
}

namespace upgate::store {
class EmbeddedStore;
struct AccessLogEntry;
struct LifecyclePass;
}  // namespace upgate::store

// Declared only: what adds the flags includes CLI11, whose cost (~10 s a source) the
// sources that merely use these types do not pay.
namespace CLI {
class App;
}  // namespace CLI

namespace upgate::cli {

struct ServeStoreFlags {
  std::optional<std::string> data_dir;  // --data-dir / UPGATE_DATA_DIR
  std::optional<std::string> listen;    // --store-listen / UPGATE_STORE_LISTEN
  bool disabled = false;                // --no-store
};

// One JSON access line per store request (`upgate store` and `upgate serve`), on `logger`.
std::function<void(const store::AccessLogEntry&)> store_access_log(
    std::shared_ptr<spdlog::logger> logger);

// One JSON line per lifecycle pass that removed something ("lifecycle pass") or failed
// ("lifecycle pass failed"), on `logger`; quiet passes log nothing (`upgate store` and
// `upgate serve`).
std::function<void(const store::LifecyclePass&)> store_lifecycle_log(
    std::shared_ptr<spdlog::logger> logger);

// Adds --data-dir, --store-listen and --no-store to `serve`.
void add_serve_store_flags(CLI::App& command, ServeStoreFlags& flags);

// --data-dir, else UPGATE_DATA_DIR, else store::default_data_dir().
std::filesystem::path serve_data_dir(const ServeStoreFlags& flags);

// A variable of the store's (UPGATE_STORE_*, UPGATE_DATA_DIR) through config::Environment:
// an empty one counts as unset.
std::optional<std::string> store_env(std::string_view name);

struct ServeStoreError {
  bool usage = false;   // a bad --store-listen / UPGATE_STORE_LISTEN (exit 2), else exit 1
  std::string message;  // "embedded store: 127.0.0.1:9000 is in use (use ...)"
};

struct StoreListen {
  std::string host;
  std::uint16_t port = 0;
};

class ServeStore {
 public:
  // Where start() would listen; nullopt when no store would start (an external endpoint,
  // or --no-store).
  static Expected<std::optional<StoreListen>, ServeStoreError> planned_listen(
      const api::ApiConfig& config, const ServeStoreFlags& flags);
  // Null when the endpoint is external or the store is disabled (--no-store). `on_change`
  // hears of every object created or removed, after its commit (object_change.hpp).
  static Expected<std::unique_ptr<ServeStore>, ServeStoreError> start(
      api::ApiConfig& config, const ServeStoreFlags& flags,
      const std::shared_ptr<spdlog::logger>& logger, store::ObjectChangeListener on_change = {});
  ~ServeStore();  // stops the store and joins its thread

  void allow_api_origins(const api::ApiConfig& config, std::uint16_t api_port,
                         spdlog::logger& logger);
  // The running store, for what serve wires to it (TLS reloads).
  store::EmbeddedStore& store() noexcept { return *store_; }
  // Serves on a thread of its own (the store's I/O threads hang off it).
  void run_in_background();
  void stop() noexcept;

 private:
  ServeStore() = default;
  std::unique_ptr<store::EmbeddedStore> store_;
  std::string bucket_;
  std::thread thread_;
};

}  // namespace upgate::cli
