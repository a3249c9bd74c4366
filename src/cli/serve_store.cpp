// `upgate serve`'s embedded store: started before the API, stopped after it.
#include "serve_store.hpp"

#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <system_error>

#include "lifecycle_json.hpp"
#include "refused_connections_log.hpp"
#include "upgate/api/json_log.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/store/embedded_store.hpp"

namespace upgate::cli {

namespace {

bool split_listen(const std::string& text, std::string& host, std::uint16_t& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size() || colon + 6 < text.size()) {
    return false;
  }
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned long value = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value > 65535 || host.empty()) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

void log_line(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view msg,
              std::initializer_list<api::LogField> fields) {
  api::log_json(logger, level,
                api::json_log_line(level == spdlog::level::info   ? "info"
                                   : level == spdlog::level::warn ? "warn"
                                                                  : "error",
                                   msg, fields));
}

std::string describe_listen(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Where this process reaches its own store: the listener's address, a wildcard one replaced
// by the loopback of its family.
std::string own_listener(std::string host, std::uint16_t port) {
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return describe_listen(host, port);
}

// One line for the operator: what is in the way and which flag gets round it.
std::string explain(const store::EmbeddedStoreError& error, const std::string& address) {
  using Step = store::EmbeddedStoreError::Step;
  std::string line = "embedded store: ";
  switch (error.step) {
    case Step::listen:
      if (error.cause == std::errc::address_in_use) {
        line += address + " is in use";
      } else {
        line += error.message;
      }
      line += " (use --store-listen HOST:PORT or --no-store)";
      break;
    case Step::data_dir:
      line += error.message + " (use --data-dir DIR, or --no-store)";
      break;
    case Step::keys:
    case Step::buckets:
    case Step::tls:
      line += error.message;
      break;
  }
  return line;
}

// A store on TLS with a domain serves BUCKET.DOMAIN: a certificate naming neither *.DOMAIN
// nor the bucket's own host makes every virtual-hosted URL fail in the client's handshake.
// Said once at start; the reloads' log lines name the DNS names of each new pair.
void warn_unless_covered(const store::EmbeddedStore& store, const std::string& bucket,
                         const std::string& domain, spdlog::logger& logger) {
  const auto certificate = store.tls_certificate();
  if (!certificate) return;
  const auto& names = certificate->dns_names;
  for (const std::string& covering : {"*." + domain, bucket + "." + domain}) {
    if (std::find(names.begin(), names.end(), covering) != names.end()) return;
  }
  std::string served;
  for (const auto& name : names) served += (served.empty() ? "" : ",") + name;
  log_line(logger, spdlog::level::warn,
           "embedded store: the certificate covers neither *.DOMAIN nor BUCKET.DOMAIN; "
           "clients will refuse the virtual-hosted URLs",
           {{"domain", domain}, {"dns_names", served}});
}

// The bucket's default lifecycle rule ([store] abort_incomplete_days): Uppy never aborts a
// failed multipart upload, so without a rule its parts stay on disk for ever. Set only when
// the bucket has no lifecycle configuration: an operator's own is never replaced. Says what
// the bucket has, for the start-up line.
std::string default_lifecycle(store::EmbeddedStore& store, const api::ApiConfig& config,
                              spdlog::logger& logger) {
  const unsigned days = config.store_abort_incomplete_days;
  if (days == 0) return "no default rule ([store] abort_incomplete_days = 0)";
  s3::LifecycleConfiguration rules;
  rules.rules.push_back(recommended_lifecycle_rule("", days, std::nullopt));
  auto set = store.default_bucket_lifecycle(config.s3.bucket, rules);
  if (!set) {
    log_line(logger, spdlog::level::warn, "embedded store: default lifecycle rule not set",
             {{"bucket", config.s3.bucket}, {"reason", set.error()}});
    return "unknown";
  }
  if (!*set) return "the bucket's own configuration (kept)";
  return std::string(kDefaultLifecycleRuleId) + ": incomplete multipart uploads aborted " +
         std::to_string(days) + (days == 1 ? " day" : " days") + " after they started";
}

}  // namespace

void add_serve_store_flags(CLI::App& command, ServeStoreFlags& flags) {
  command.add_option("--data-dir", flags.data_dir,
                     "embedded store data (UPGATE_DATA_DIR; default $XDG_DATA_HOME/upgate, else "
                     "./var/upgate)");
  command.add_option("--store-listen", flags.listen,
                     "embedded store HOST:PORT (UPGATE_STORE_LISTEN; default 127.0.0.1:9000)");
  command.add_flag("--no-store", flags.disabled, "do not start the embedded store");
}

std::function<void(const store::AccessLogEntry&)> store_access_log(
    std::shared_ptr<spdlog::logger> logger) {
  return [logger = std::move(logger)](const store::AccessLogEntry& e) {
    const std::string status = std::to_string(e.status);
    const std::string in = std::to_string(e.bytes_in);
    const std::string out = std::to_string(e.bytes_out);
    const std::string ms =
        std::to_string(std::chrono::duration<double, std::milli>(e.duration).count());
    const bool failed = e.status >= 500;
    api::log_json(*logger, failed ? spdlog::level::warn : spdlog::level::info,
                  api::json_log_line(failed ? "warn" : "info", "s3 request",
                                     {{"id", e.request_id},
                                      {"remote", e.remote},
                                      {"method", e.method},
                                      {"op", e.operation},
                                      {"bucket", e.bucket},
                                      {"key", e.key},
                                      {"access_key_id", e.access_key_id},
                                      {"status", status},
                                      {"error", e.error_code},
                                      {"reason", e.reason},
                                      {"bytes_in", in},
                                      {"bytes_out", out},
                                      {"ms", ms}}));
  };
}

std::function<void(const store::LifecyclePass&)> store_lifecycle_log(
    std::shared_ptr<spdlog::logger> logger) {
  return [logger = std::move(logger)](const store::LifecyclePass& pass) {
    if (!pass.error.empty()) {
      log_line(*logger, spdlog::level::err, "lifecycle pass failed", {{"error", pass.error}});
    } else if (pass.uploads_aborted + pass.objects_expired > 0) {
      log_line(*logger, spdlog::level::info, "lifecycle pass",
               {{"uploads_aborted", std::to_string(pass.uploads_aborted)},
                {"objects_expired", std::to_string(pass.objects_expired)},
                {"blobs_removed", std::to_string(pass.blobs_removed)}});
    }
  };
}

Expected<std::optional<StoreListen>, ServeStoreError> ServeStore::planned_listen(
    const api::ApiConfig& config, const ServeStoreFlags& flags) {
  if (!config.s3.embedded || flags.disabled) return std::optional<StoreListen>();
  std::string listen = flags.listen.value_or(store_env("UPGATE_STORE_LISTEN").value_or(""));
  if (listen.empty()) {
    listen = config.s3.endpoint.host + ":" +
             std::to_string(config.s3.endpoint.port != 0 ? config.s3.endpoint.port : 80);
  }
  StoreListen out;
  if (!split_listen(listen, out.host, out.port)) {
    return Unexpected(ServeStoreError{
        true, "embedded store: --store-listen must be HOST:PORT, got \"" + listen + "\""});
  }
  return std::optional<StoreListen>(std::move(out));
}

std::optional<std::string> store_env(std::string_view name) {
  return config::Environment::process().get(name);
}

std::filesystem::path serve_data_dir(const ServeStoreFlags& flags) {
  if (flags.data_dir) return *flags.data_dir;
  if (auto dir = store_env("UPGATE_DATA_DIR")) return *dir;
  return store::default_data_dir();
}

Expected<std::unique_ptr<ServeStore>, ServeStoreError> ServeStore::start(
    api::ApiConfig& config, const ServeStoreFlags& flags,
    const std::shared_ptr<spdlog::logger>& logger_ptr, store::ObjectChangeListener on_change) {
  spdlog::logger& logger = *logger_ptr;
  auto listen = planned_listen(config, flags);
  if (!listen) return Unexpected(std::move(listen).error());
  if (!*listen) return std::unique_ptr<ServeStore>();
  store::EmbeddedStoreConfig store_config;
  store_config.address = (*listen)->host;
  store_config.port = (*listen)->port;
  store_config.data_dir = serve_data_dir(flags);
  store_config.on_change = std::move(on_change);
  if (config.s3.credentials.valid()) {
    store_config.root_key.access_key_id = config.s3.credentials.access_key_id;
    store_config.root_key.secret_access_key =
        std::string(config.s3.credentials.secret_access_key.reveal());
  }
  store_config.region = config.s3.region;
  if (config.log.access_log) store_config.access_log = store_access_log(logger_ptr);
  store_config.lifecycle_log = store_lifecycle_log(logger_ptr);
  store_config.buckets = {config.s3.bucket};
  store_config.tls = config.store_tls;
  store_config.domain = config.store_domain;
  store_config.clients = config.store_clients;
  store_config.on_connection_refused = refused_connections_log(logger_ptr, "s3");
  store_config.threads =
      std::min(config.threads == 0 ? std::thread::hardware_concurrency() : config.threads, 4u);

  const std::string listen_host = store_config.address;
  const std::string address = describe_listen(store_config.address, store_config.port);
  auto started = store::EmbeddedStore::start(std::move(store_config));
  if (!started) {
    // A certificate pair that cannot be served is the operator's input: exit 2, as a bad flag.
    const bool usage = started.error().step == store::EmbeddedStoreError::Step::tls;
    return Unexpected(ServeStoreError{usage, explain(started.error(), address)});
  }
  std::unique_ptr<ServeStore> out(new ServeStore());
  out->store_ = std::move(*started);
  out->bucket_ = config.s3.bucket;
  if (!config.s3.credentials.valid()) {
    config.s3.credentials = out->store_->root_credentials();
    config.s3.credentials_source = out->store_->root_key_origin();
  }
  config.s3.endpoint.scheme = out->store_->tls() ? "https" : "http";
  // A store on 443 (or 80 without TLS) signs URLs without the port, as S3Endpoint::parse does.
  const bool default_port = out->store_->port() == (out->store_->tls() ? 443 : 80);
  config.s3.endpoint.port = default_port ? 0 : out->store_->port();
  config.s3.endpoint_url = out->store_->endpoint_url();
  // upgate's own calls (multipart, completion checks) go straight to the listener, and trust
  // exactly the store's certificate: a private CA or a self-signed pair needs no system trust.
  config.s3.connect_to = own_listener(listen_host, out->store_->port());
  if (config.store_tls) config.s3.ca_file = config.store_tls->files.certificate_chain.string();
  if (!config.store_domain.empty()) {
    // URLs name the bucket's host, BUCKET.DOMAIN, which DNS (or *.localhost) points here.
    config.s3.endpoint.host = config.store_domain;
    config.s3.endpoint_url = config.s3.endpoint.scheme + "://" + config.store_domain + ":" +
                             std::to_string(out->store_->port());
    warn_unless_covered(*out->store_, config.s3.bucket, config.store_domain, logger);
  }
  const std::string lifecycle = default_lifecycle(*out->store_, config, logger);
  log_line(logger, spdlog::level::info, "embedded store started",
           {{"s3", config.s3.endpoint_url},
            {"listen", describe_listen(listen_host, out->store_->port())},
            {"domain", config.store_domain},
            {"bucket", config.s3.bucket},
            {"access_key_id", config.s3.credentials.access_key_id},
            {"credentials", out->store_->root_key_origin()},
            {"lifecycle", lifecycle}});
  return out;
}

void ServeStore::allow_api_origins(const api::ApiConfig& config, std::uint16_t api_port,
                                   spdlog::logger& logger) {
  s3::CorsRule rule;
  const auto& configured = config.cors.allowed_origins;
  if (std::find(configured.begin(), configured.end(), "*") != configured.end()) {
    rule.allowed_origins = {"*"};
  } else {
    rule.allowed_origins = configured;
    const std::string scheme = config.tls ? "https://" : "http://";
    for (std::string origin : {scheme + "127.0.0.1:" + std::to_string(api_port),
                               scheme + "localhost:" + std::to_string(api_port)}) {
      if (std::find(rule.allowed_origins.begin(), rule.allowed_origins.end(), origin) ==
          rule.allowed_origins.end()) {
        rule.allowed_origins.push_back(origin);
      }
    }
  }
  rule.allowed_methods = {"GET", "PUT", "POST", "HEAD", "DELETE"};
  rule.allowed_headers = {"*"};
  rule.expose_headers = {"ETag", "x-amz-request-id", "x-amz-checksum-crc32",
                         "x-amz-checksum-sha256"};
  rule.max_age_seconds = 3000;
  s3::CorsConfiguration cors;
  cors.rules.push_back(std::move(rule));
  if (auto ok = store_->configure_bucket(bucket_, &cors); !ok) {
    log_line(logger, spdlog::level::warn, "embedded store: bucket CORS not set",
             {{"reason", ok.error()}});
  }
}

void ServeStore::run_in_background() {
  thread_ = std::thread([this] { store_->run(); });
}

void ServeStore::stop() noexcept {
  if (store_) store_->stop();
}

ServeStore::~ServeStore() {
  stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace upgate::cli
