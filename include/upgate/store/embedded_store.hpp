// The embedded S3 store as one runnable unit: data directory, access keys,
// buckets set up at start, and the HTTP server, for `upgate store` and for
// `upgate serve` (which runs it beside the upload API).
//
// start() does everything that can fail before returning: opens the data
// directory (taking its lock, recovering from a crash), loads or generates the
// root key, reads the keys file, creates the requested buckets with their CORS
// configuration and binds the port (0: ephemeral, see port()). run() then
// serves until stop() (thread-safe) or, with stop_on_signals(), SIGINT/SIGTERM.
// Errors are one line naming what failed, with the step that failed so a caller can
// advise (another data directory, another port); none contains a secret.
//
// With config.tls the store speaks only TLS (http/tls.hpp): start() refuses a bad pair
// (Step::tls), endpoint_url() is https://, and reload_tls() / the file watcher swap in a
// renewed pair for new handshakes while open connections keep theirs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/http/server.hpp"
#include "upgate/http/tls.hpp"
#include "upgate/s3/cors.hpp"
#include "upgate/s3/lifecycle.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/store/access_log.hpp"
#include "upgate/store/object_change.hpp"
#include "upgate/store/recovery_report.hpp"

namespace upgate::store {

// The root key given by the operator; absent parts come from <data>/credentials, or a
// new pair is generated there on first start.
struct RootKeySource {
  std::optional<std::string> access_key_id;      // from a flag or the environment
  std::optional<std::string> secret_access_key;  // idem
};

// What one lifecycle pass did (a background thread applies the buckets' lifecycle rules).
struct LifecyclePass {
  std::size_t buckets = 0;  // with a configuration
  std::size_t uploads_aborted = 0;
  std::size_t objects_expired = 0;
  std::size_t blobs_removed = 0;
  std::string error{};  // empty when the pass succeeded
};

struct EmbeddedStoreConfig {
  std::filesystem::path data_dir;
  std::string address = "127.0.0.1";
  std::uint16_t port = 9000;
  unsigned threads = 0;  // 0: one per core
  RootKeySource root_key;
  std::optional<std::filesystem::path> keys_file;  // extra, restricted keys
  std::string region = "us-east-1";
  std::string domain;                // virtual-hosted style base domain; empty: path-style only
  std::vector<std::string> buckets;  // created at start when missing
  std::optional<s3::CorsConfiguration> bucket_cors;  // set on those buckets
  std::function<void(const AccessLogEntry&)> access_log;
  bool sync_commits = true;
  std::optional<http::TlsSettings> tls;  // set: HTTPS only, with this pair
  // Every object created or removed, after its commit (object_change.hpp).
  ObjectChangeListener on_change{};
  // Bucket lifecycle: a pass every `lifecycle_interval` (the first one interval after start);
  // an action of N days is due at creation + N x `lifecycle_day`, rounded up to the next
  // multiple of `lifecycle_day` since the epoch (midnight UTC for 24 h, as S3 does).
  // Shorter days are for tests.
  std::chrono::milliseconds lifecycle_interval = std::chrono::hours(1);
  std::chrono::milliseconds lifecycle_day = std::chrono::hours(24);
  std::function<void(const LifecyclePass&)> lifecycle_log;  // after each pass, on its thread
  // Slow clients and connection caps (http/server.hpp); beyond the caps the store closes.
  http::ClientLimits clients;
  // Hears each connection refused by the caps (http::Server::on_connection_refused()).
  std::function<void(bool per_client, std::string_view peer)> on_connection_refused;
};

// $XDG_DATA_HOME/upgate when XDG_DATA_HOME is set, else ./var/upgate.
std::filesystem::path default_data_dir();

// A CORS configuration from a file: the seed's JSON form or S3's XML.
Expected<s3::CorsConfiguration, std::string> load_cors_file(const std::filesystem::path& path);

struct EmbeddedStoreError {
  enum class Step : std::uint8_t {
    data_dir,  // opening the data directory: locked by another process, unwritable, full
    keys,      // the root key or the keys file
    buckets,   // creating the configured buckets
    listen,    // binding the address
    tls,       // the certificate pair (unreadable, mismatched, expired)
  };
  Step step = Step::data_dir;
  std::string message;
  std::error_code cause{};  // listen: the system's reason, e.g. std::errc::address_in_use
};

class EmbeddedStore {
 public:
  static Expected<std::unique_ptr<EmbeddedStore>, EmbeddedStoreError> start(
      EmbeddedStoreConfig config);
  ~EmbeddedStore();
  EmbeddedStore(const EmbeddedStore&) = delete;
  EmbeddedStore& operator=(const EmbeddedStore&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:PORT", or https:// under TLS (the bound address; 0.0.0.0 is shown as
  // 127.0.0.1).
  std::string endpoint_url() const;
  const sigv4::Credentials& root_credentials() const;
  // Where the root key came from: "flags/environment", the credentials file, or "generated".
  const std::string& root_key_origin() const;
  const RecoveryReport& recovery_report() const;
  std::size_t restricted_keys() const;

  // Creates the bucket if needed and, when `cors` is given, replaces its CORS
  // configuration (blocking; callable before or while the store runs).
  Expected<void, std::string> configure_bucket(std::string_view name,
                                               const s3::CorsConfiguration* cors);
  // Sets `configuration` as the bucket's lifecycle unless the bucket has one already, which
  // is never replaced (blocking): true when it was set, false when the bucket's own stays.
  Expected<bool, std::string> default_bucket_lifecycle(
      std::string_view name, const s3::LifecycleConfiguration& configuration);

  void run();
  void stop() noexcept;
  void stop_on_signals();

  // --- TLS (EmbeddedStoreConfig::tls); see http/server.hpp ---
  bool tls() const noexcept;
  std::optional<http::TlsCertificateInfo> tls_certificate() const;
  // Reads the pair again (blocking); a refused pair keeps the current one.
  Expected<http::TlsCertificateInfo, http::TlsError> reload_tls();
  // Hears every reload (reload_tls() and the watcher's). Set before run().
  void on_tls_reload(http::TlsReloadObserver observer);

 private:
  EmbeddedStore() = default;
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace upgate::store
