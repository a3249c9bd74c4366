// Start-up of the embedded store: data, keys, buckets, server, in that order.
#include "upgate/store/embedded_store.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "access_keys.hpp"
#include "s3_service.hpp"
#include "store/lifecycle_sweeper.hpp"
#include "store/object_store.hpp"
#include "upgate/http/server.hpp"
#include "upgate/s3/xml_requests.hpp"

namespace upgate::store {

namespace {

constexpr std::size_t kMaxKeysFileBytes = 1024 * 1024;

Expected<std::string, std::string> read_text_file(const std::filesystem::path& path,
                                                  std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected("cannot read " + path.string());
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) return Unexpected(path.string() + " is too large");
  }
  return text;
}

}  // namespace

std::filesystem::path default_data_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && *xdg != '\0') return std::filesystem::path(xdg) / "upgate";
  return std::filesystem::path("var") / "upgate";
}

Expected<s3::CorsConfiguration, std::string> load_cors_file(const std::filesystem::path& path) {
  auto text = read_text_file(path, s3::kMaxCorsDocumentBytes);
  if (!text) return Unexpected(std::move(text).error());
  std::size_t first = text->find_first_not_of(" \t\r\n");
  const bool xml = first != std::string::npos && (*text)[first] == '<';
  auto parsed = xml ? s3::parse_cors_configuration_xml(*text) : s3::parse_cors_json(*text);
  if (!parsed) {
    return Unexpected(path.string() + ": " + std::string(parsed.error().effective_message()) +
                      (parsed.error().reason.empty() ? "" : " (" + parsed.error().reason + ")"));
  }
  return std::move(*parsed);
}

struct EmbeddedStore::Parts {
  EmbeddedStoreConfig config;
  std::unique_ptr<ObjectStore> store;
  std::unique_ptr<S3Service> service;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<LifecycleSweeper> sweeper;
  sigv4::Credentials root;
  std::string root_origin;
  std::size_t restricted = 0;
};

Expected<std::unique_ptr<EmbeddedStore>, EmbeddedStoreError> EmbeddedStore::start(
    EmbeddedStoreConfig config) {
  using Step = EmbeddedStoreError::Step;
  auto failed = [](Step step, std::string message, std::error_code cause = {}) {
    return Unexpected(EmbeddedStoreError{step, std::move(message), cause});
  };
  auto parts = std::make_unique<Parts>();
  ObjectStoreOptions store_options;
  store_options.default_region = config.region;
  store_options.sync_commits = config.sync_commits;
  store_options.on_change = config.on_change;
  auto opened = ObjectStore::open(config.data_dir, store_options);
  if (!opened) {
    return failed(Step::data_dir, "cannot open the data directory " + config.data_dir.string() +
                                      ": " + opened.error().message);
  }
  parts->store = std::move(*opened);

  AccessKeys keys;
  auto root = load_or_create_root_key(config.root_key, config.data_dir);
  if (!root) return failed(Step::keys, root.error().message);
  parts->root = root->key.credentials;
  parts->root_origin = root->origin;
  if (auto added = keys.add(std::move(root->key)); !added) {
    return failed(Step::keys, added.error().message);
  }
  if (config.keys_file) {
    auto text = read_text_file(*config.keys_file, kMaxKeysFileBytes);
    if (!text) return failed(Step::keys, std::move(text).error());
    auto extra = parse_keys_file(*text, config.keys_file->string());
    if (!extra) return failed(Step::keys, extra.error().message);
    for (auto& key : *extra) {
      if (auto added = keys.add(std::move(key)); !added) {
        return failed(Step::keys, config.keys_file->string() + ": " + added.error().message);
      }
      ++parts->restricted;
    }
  }

  S3ServiceOptions service_options;
  service_options.region = config.region;
  service_options.domain = config.domain;
  service_options.access_log = config.access_log;
  service_options.lifecycle_day = config.lifecycle_day;
  parts->service = std::make_unique<S3Service>(*parts->store, std::move(keys), service_options);
  for (const auto& bucket : config.buckets) {
    auto ready =
        parts->service->ensure_bucket(bucket, config.bucket_cors ? &*config.bucket_cors : nullptr);
    if (!ready) return failed(Step::buckets, ready.error());
  }

  auto server_config = store_server_config(config.address, config.port, config.threads);
  server_config.tls = config.tls;
  config.clients.apply(server_config);
  auto server = http::Server::create(std::move(server_config), parts->service->handler());
  if (!server) {
    const bool tls = server.error().code == http::ServerErrorCode::tls;
    return failed(tls ? Step::tls : Step::listen, server.error().message, server.error().cause);
  }
  parts->server = std::move(*server);

  LifecycleSweeperOptions sweeper_options;
  sweeper_options.interval = config.lifecycle_interval;
  sweeper_options.day.length = config.lifecycle_day;
  if (config.lifecycle_log) {
    sweeper_options.on_pass = [log = config.lifecycle_log](
                                  const Expected<LifecycleSweepReport, StoreError>& pass) {
      LifecyclePass out;
      if (pass) {
        out = {pass->buckets, pass->uploads_aborted, pass->objects_expired, pass->blobs_removed};
      } else {
        out.error = pass.error().message;
      }
      log(out);
    };
  }
  parts->sweeper = std::make_unique<LifecycleSweeper>(*parts->store, std::move(sweeper_options));
  if (config.on_connection_refused) {
    parts->server->on_connection_refused(config.on_connection_refused);
  }
  parts->config = std::move(config);
  std::unique_ptr<EmbeddedStore> out(new EmbeddedStore());
  out->parts_ = std::move(parts);
  return out;
}

EmbeddedStore::~EmbeddedStore() {
  if (parts_) {
    // The server's connections use the service, which uses the store; so does the sweeper.
    parts_->sweeper.reset();
    parts_->server.reset();
    parts_->service.reset();
    parts_->store.reset();
  }
}

std::uint16_t EmbeddedStore::port() const {
  return parts_->server->port();
}

std::string EmbeddedStore::endpoint_url() const {
  std::string host = parts_->config.address;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return (parts_->server->tls() ? "https://" : "http://") + host + ":" + std::to_string(port());
}

const sigv4::Credentials& EmbeddedStore::root_credentials() const {
  return parts_->root;
}
const std::string& EmbeddedStore::root_key_origin() const {
  return parts_->root_origin;
}
const RecoveryReport& EmbeddedStore::recovery_report() const {
  return parts_->store->recovery_report();
}
std::size_t EmbeddedStore::restricted_keys() const {
  return parts_->restricted;
}

Expected<void, std::string> EmbeddedStore::configure_bucket(std::string_view name,
                                                            const s3::CorsConfiguration* cors) {
  return parts_->service->ensure_bucket(name, cors);
}

Expected<bool, std::string> EmbeddedStore::default_bucket_lifecycle(
    std::string_view name, const s3::LifecycleConfiguration& configuration) {
  if (auto valid = s3::validate_lifecycle_configuration(configuration); !valid) {
    return Unexpected("lifecycle configuration for " + std::string(name) + ": " +
                      valid.error().reason);
  }
  auto set = parts_->store->put_bucket_lifecycle_unless_set(name, configuration);
  if (!set) {
    return Unexpected("cannot set the lifecycle of " + std::string(name) + ": " +
                      set.error().message);
  }
  return *set;
}

void EmbeddedStore::run() {
  parts_->server->run();
}
void EmbeddedStore::stop() noexcept {
  parts_->server->stop();
}
void EmbeddedStore::stop_on_signals() {
  parts_->server->stop_on_signals();
}

bool EmbeddedStore::tls() const noexcept {
  return parts_->server->tls();
}
std::optional<http::TlsCertificateInfo> EmbeddedStore::tls_certificate() const {
  return parts_->server->tls_certificate();
}
Expected<http::TlsCertificateInfo, http::TlsError> EmbeddedStore::reload_tls() {
  return parts_->server->reload_tls();
}
void EmbeddedStore::on_tls_reload(http::TlsReloadObserver observer) {
  parts_->server->on_tls_reload(std::move(observer));
}

}  // namespace upgate::store
