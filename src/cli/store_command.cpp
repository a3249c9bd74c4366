// `upgate store`: the embedded S3-compatible object store on its own.
//
// When ready it prints one JSON line on stdout,
//   {"event":"listening","s3":"http://127.0.0.1:PORT","region":...,"access_key_id":...}
// so scripts and tests started with --listen 127.0.0.1:0 learn the port; the
// access log follows as one JSON object per line. The secret access key is
// never printed: it is given (flag or UPGATE_STORE_SECRET_ACCESS_KEY) or it is
// in <data-dir>/credentials, mode 0600.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "commands.hpp"
#include "refused_connections_log.hpp"
#include "reload_signal.hpp"
#include "serve_store.hpp"
#include "store_maintenance.hpp"
#include "tls_files.hpp"
#include "upgate/api/json_log.hpp"
#include "upgate/events/s3_record_pusher.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/store/embedded_store.hpp"

namespace upgate::cli {
namespace {

struct StoreOptions {
  std::string listen = "127.0.0.1:9000";
  std::optional<std::string> data_dir;
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> keys_file;
  std::string region = "us-east-1";
  std::string domain;
  std::vector<std::string> buckets;
  std::optional<std::string> cors_file;
  unsigned threads = 0;
  std::string log_level = "info";
  bool no_access_log = false;
  std::optional<std::string> notify_url;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<unsigned> tls_watch_seconds;
  double lifecycle_interval = 3600;      // seconds between lifecycle passes
  double lifecycle_day_seconds = 86400;  // S3's "day" in lifecycle rules; shorter for tests
  unsigned header_timeout = 10;          // seconds
  std::uint64_t body_min_rate = 512;
  std::uint64_t send_min_rate = 512;
  unsigned min_rate_window = 10;  // seconds
  std::size_t max_connections = 20'000;
  std::size_t max_connections_per_client = 0;
};

constexpr const char* kStoreHelp =
    "Run the embedded S3-compatible object store: SigV4 (header, presigned, aws-chunked,\n"
    "POST policies) verified as S3 does, objects on disk, metadata in SQLite.\n"
    "\n"
    "Credentials: --access-key-id/--secret-access-key, else UPGATE_STORE_ACCESS_KEY_ID and\n"
    "UPGATE_STORE_SECRET_ACCESS_KEY, else DATA_DIR/credentials (an AWS shared-credentials\n"
    "file, generated with mode 0600 on first start). Prefer the environment for the secret:\n"
    "arguments show in `ps`. Extra keys limited to actions and resources go in --keys-file:\n"
    "  [uploader]\n"
    "  aws_access_key_id = ...\n"
    "  aws_secret_access_key = ...\n"
    "  actions = s3:PutObject, s3:GetObject\n"
    "  resources = uploads/services/*\n"
    "\n"
    "Environment: UPGATE_STORE_LISTEN, UPGATE_STORE_DATA_DIR, UPGATE_STORE_REGION,\n"
    "UPGATE_STORE_KEYS_FILE, UPGATE_STORE_TLS_CERT, UPGATE_STORE_TLS_KEY, XDG_DATA_HOME\n"
    "(default data dir $XDG_DATA_HOME/upgate, else ./var/upgate), UPGATE_STORE_NOTIFY_URL,\n"
    "UPGATE_STORE_NOTIFY_SECRET.\n"
    "\n"
    "TLS: --tls-cert FULLCHAIN.pem --tls-key PRIVKEY.pem serves HTTPS only (TLS 1.2 and 1.3,\n"
    "Mozilla's intermediate suites, ALPN http/1.1). SIGHUP reloads the pair, and so does a\n"
    "change of the files (checked every --tls-watch seconds, default 10; 0: SIGHUP only);\n"
    "open connections keep the pair they began with, and a bad new pair is logged and the\n"
    "old one kept. With --domain, a wildcard certificate (*.DOMAIN) covers the buckets.\n"
    "\n"
    "Notifications: with --notify-url URL every object created or removed is POSTed there as\n"
    "S3 event record JSON ({\"Records\":[...]}, as AWS S3 and Ceph RGW send), after its commit,\n"
    "in order, retried while the receiver fails; UPGATE_STORE_NOTIFY_SECRET, when set, goes\n"
    "in an X-Upgate-Events-Secret header (upgate serve's POST /v1/events/s3 checks it). Each\n"
    "record is committed to DATA_DIR/notify.db before the store answers, so what is unsent\n"
    "when the process dies or the receiver is down is sent after a restart (docs/EVENTS.md).\n"
    "Ready: one JSON line {\"event\":\"listening\",\"s3\":URL,...} on stdout; access log after "
    "it.\n"
    "Bucket lifecycle rules (PutBucketLifecycleConfiguration) are applied in the background\n"
    "every --lifecycle-interval; a rule's N days end at the next midnight UTC after\n"
    "creation + N days, as on S3.\n"
    "Exit codes: 0 after SIGINT/SIGTERM, 1 when the store cannot start, 2 for bad arguments\n"
    "or a certificate pair it cannot serve.\n"
    "\n"
    "Data directory care: `upgate store backup DEST` (while it serves), `upgate store\n"
    "restore BACKUP --data-dir DIR`, `upgate store fsck [--repair]` (stopped).";

// A flag not given takes its variable's value.
void default_from_env(std::optional<std::string>& flag, std::string_view name) {
  if (!flag) flag = store_env(name);
}

bool parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  unsigned long value = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value > 65535) return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

int run_store(StoreOptions& o) {
  block_reload_signal();  // before any thread starts: SIGHUP waits for the reload thread
  default_from_env(o.data_dir, "UPGATE_STORE_DATA_DIR");
  default_from_env(o.access_key_id, "UPGATE_STORE_ACCESS_KEY_ID");
  default_from_env(o.secret_access_key, "UPGATE_STORE_SECRET_ACCESS_KEY");
  default_from_env(o.keys_file, "UPGATE_STORE_KEYS_FILE");
  default_from_env(o.tls_cert, "UPGATE_STORE_TLS_CERT");
  default_from_env(o.tls_key, "UPGATE_STORE_TLS_KEY");

  if (o.access_key_id.has_value() != o.secret_access_key.has_value()) {
    std::cerr << "upgate store: the access key id and the secret access key go together "
                 "(--access-key-id / UPGATE_STORE_ACCESS_KEY_ID with --secret-access-key / "
                 "UPGATE_STORE_SECRET_ACCESS_KEY)\n";
    return kExitUsage;
  }
  store::EmbeddedStoreConfig config;
  if (!parse_listen(o.listen, config.address, config.port)) {
    std::cerr << "upgate store: --listen must be HOST:PORT, got \"" << o.listen << "\"\n";
    return kExitUsage;
  }
  config.data_dir = o.data_dir ? std::filesystem::path(*o.data_dir) : store::default_data_dir();
  config.threads = o.threads;
  config.root_key.access_key_id = o.access_key_id;
  config.root_key.secret_access_key = o.secret_access_key;
  if (o.keys_file) config.keys_file = *o.keys_file;
  config.region = o.region;
  config.domain = o.domain;
  config.buckets = o.buckets;
  auto tls = tls_settings(o.tls_cert, o.tls_key, o.tls_watch_seconds, "--tls-cert", "--tls-key");
  if (!tls) {
    std::cerr << "upgate store: " << tls.error() << '\n';
    return kExitUsage;
  }
  config.tls = std::move(*tls);
  // At least a millisecond each; upper bounds keep the milliseconds in range.
  if (!(o.lifecycle_interval >= 0.001 && o.lifecycle_interval <= 1e9) ||
      !(o.lifecycle_day_seconds >= 0.001 && o.lifecycle_day_seconds <= 1e9)) {
    std::cerr << "upgate store: --lifecycle-interval and --lifecycle-day-seconds must be "
                 "between 0.001 and 1e9 seconds\n";
    return kExitUsage;
  }
  config.lifecycle_interval =
      std::chrono::milliseconds(static_cast<std::int64_t>(o.lifecycle_interval * 1000));
  config.lifecycle_day =
      std::chrono::milliseconds(static_cast<std::int64_t>(o.lifecycle_day_seconds * 1000));
  config.clients.header_timeout = std::chrono::seconds(o.header_timeout);
  config.clients.body_min_rate = o.body_min_rate;
  config.clients.send_min_rate = o.send_min_rate;
  config.clients.min_rate_window = std::chrono::seconds(o.min_rate_window);
  config.clients.max_connections = o.max_connections;
  config.clients.max_connections_per_client = o.max_connections_per_client;
  if (o.cors_file) {
    auto cors = store::load_cors_file(*o.cors_file);
    if (!cors) {
      std::cerr << "upgate store: --cors: " << cors.error() << '\n';
      return kExitUsage;
    }
    config.bucket_cors = std::move(*cors);
  }

  std::fflush(stdout);
  auto logger = api::make_json_logger(o.log_level, STDOUT_FILENO);
  if (!o.no_access_log) config.access_log = store_access_log(logger);
  config.on_connection_refused = refused_connections_log(logger, "s3");
  default_from_env(o.notify_url, "UPGATE_STORE_NOTIFY_URL");
  std::unique_ptr<events::S3RecordPusher> pusher;
  if (o.notify_url) {
    if (!o.notify_url->starts_with("http://") && !o.notify_url->starts_with("https://")) {
      std::cerr << "upgate store: --notify-url must be an http:// or https:// URL\n";
      return kExitUsage;
    }
    s3client::http_client_global_init();
    events::S3RecordPusherOptions notify;
    notify.url = *o.notify_url;
    notify.region = o.region;
    if (auto secret = store_env("UPGATE_STORE_NOTIFY_SECRET")) {
      notify.headers.emplace_back("X-Upgate-Events-Secret", std::move(*secret));
    }
    notify.log = [logger](std::string_view line) {
      api::log_json(*logger, spdlog::level::warn, api::json_log_line("warn", line, {}));
    };
    // Records wait on disk beside the store's data, so a crash or a receiver that is down
    // loses none.
    std::error_code ignored;
    std::filesystem::create_directories(config.data_dir, ignored);
    notify.outbox = config.data_dir / "notify.db";
    auto started = events::S3RecordPusher::start(std::move(notify));
    if (!started) {
      std::cerr << "upgate store: --notify-url: " << started.error().message << '\n';
      return kExitFailure;
    }
    pusher = std::move(*started);
    config.on_change = [p = pusher.get()](const store::ObjectChange& change) { p->notify(change); };
  }
  config.lifecycle_log = store_lifecycle_log(logger);

  auto store = store::EmbeddedStore::start(std::move(config));
  if (!store) {
    std::cerr << "upgate store: " << store.error().message << '\n';
    logger->flush();
    // A certificate pair that cannot be served is the operator's input, like a bad flag.
    return store.error().step == store::EmbeddedStoreError::Step::tls ? kExitUsage : kExitFailure;
  }
  const auto& recovery = (*store)->recovery_report();
  if (recovery.temp_files_removed + recovery.orphan_blobs_removed > 0) {
    api::log_json(*logger, spdlog::level::warn,
                  api::json_log_line(
                      "warn", "recovered from an unclean shutdown",
                      {{"temp_files_removed", std::to_string(recovery.temp_files_removed)},
                       {"orphan_blobs_removed", std::to_string(recovery.orphan_blobs_removed)},
                       {"orphan_bytes_removed", std::to_string(recovery.orphan_bytes_removed)}}));
  }
  logger->flush();
  boost::json::object event;
  event["event"] = "listening";
  event["s3"] = (*store)->endpoint_url();
  event["region"] = o.region;
  event["access_key_id"] = (*store)->root_credentials().access_key_id;
  event["credentials"] = (*store)->root_key_origin();
  event["restricted_keys"] = (*store)->restricted_keys();
  event["buckets"] = boost::json::value_from(o.buckets);
  const std::string ready = boost::json::serialize(event) + "\n";
  // Straight to the descriptor: the logger writes there too, and this line must be whole.
  std::size_t done = 0;
  while (done < ready.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, ready.data() + done, ready.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }

  if (auto certificate = (*store)->tls_certificate()) {
    log_tls_serving(*logger, "s3", *certificate);
    (*store)->on_tls_reload(tls_reload_log(logger, "s3"));
  }
  // SIGHUP (systemctl reload) reloads the certificate pair on the one reload thread
  // (reload_signal.hpp); without TLS it only says so, rather than ending the process as
  // SIGHUP would by default.
  std::optional<ReloadSignalThread> hangups;
  hangups.emplace([running = store->get(), logger] {
    if (running->tls()) {
      (void)running->reload_tls();  // the observer logs the outcome
    } else {
      api::log_json(*logger, spdlog::level::info,
                    api::json_log_line("info", "SIGHUP: nothing to reload (no TLS)", {}));
    }
  });
  (*store)->stop_on_signals();
  (*store)->run();
  hangups.reset();
  api::log_json(*logger, spdlog::level::info,
                api::json_log_line("info", "upgate store stopped", {}));
  logger->flush();
  store->reset();
  if (pusher) pusher->stop();  // what is unsent waits in notify.db for the next start
  return kExitOk;
}

}  // namespace

void register_store(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<StoreOptions>();
  if (auto v = store_env("UPGATE_STORE_LISTEN")) options->listen = std::move(*v);
  if (auto v = store_env("UPGATE_STORE_REGION")) options->region = std::move(*v);
  CLI::App* cmd = app.add_subcommand("store", kStoreHelp);
  StoreOptions& o = *options;
  cmd->add_option("--listen", o.listen, "HOST:PORT to bind (default 127.0.0.1:9000; port 0: any)");
  cmd->add_option("--data-dir", o.data_dir, "where objects and metadata live");
  cmd->add_option("--access-key-id", o.access_key_id, "root access key id");
  cmd->add_option("--secret-access-key", o.secret_access_key,
                  "root secret (prefer UPGATE_STORE_SECRET_ACCESS_KEY)");
  cmd->add_option("--keys-file", o.keys_file, "extra keys limited to actions and resources");
  cmd->add_option("--region", o.region, "the region this store answers for (default us-east-1)");
  cmd->add_option("--domain", o.domain, "base domain for virtual-hosted-style requests");
  cmd->add_option("--bucket", o.buckets, "bucket to create at start (repeatable)");
  cmd->add_option("--cors", o.cors_file,
                  "CORS rules (seed JSON or S3 XML) for the --bucket buckets");
  cmd->add_option("--threads", o.threads, "I/O threads (default: one per core)");
  cmd->add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off");
  cmd->add_flag("--no-access-log", o.no_access_log, "no per-request log lines");
  cmd->add_option("--notify-url", o.notify_url,
                  "POST S3 event records of every created/removed object here");
  cmd->add_option("--lifecycle-interval", o.lifecycle_interval,
                  "seconds between two passes applying the buckets' lifecycle rules (default "
                  "3600)");
  cmd->add_option("--lifecycle-day-seconds", o.lifecycle_day_seconds,
                  "length of a lifecycle rule's day in seconds (default 86400; shorter for "
                  "tests)");
  cmd->add_option("--tls-cert", o.tls_cert, "PEM certificate chain (leaf first): serve HTTPS");
  cmd->add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert (unencrypted)");
  cmd->add_option("--tls-watch", o.tls_watch_seconds,
                  "seconds between checks of the certificate files (default 10; 0: SIGHUP only)");
  cmd->add_option("--header-timeout", o.header_timeout,
                  "seconds for a whole request header, from the connection (default 10)")
      ->check(CLI::Range(1u, 3600u));
  cmd->add_option("--body-min-rate", o.body_min_rate,
                  "bytes/s an upload must keep up over each window; 0: none (default 512)");
  cmd->add_option("--send-min-rate", o.send_min_rate,
                  "bytes/s a download must be read at over each window; 0: none (default 512)");
  cmd->add_option("--min-rate-window", o.min_rate_window,
                  "seconds of waiting the rates are measured over (default 10)")
      ->check(CLI::Range(1u, 3600u));
  cmd->add_option("--max-connections", o.max_connections,
                  "connections at once; beyond, new ones are closed; 0: no cap (default 20000)");
  cmd->add_option("--max-connections-per-client", o.max_connections_per_client,
                  "connections at once from one address; 0: no cap (default)");
  register_store_maintenance(*cmd, exit_code);
  cmd->callback([options, cmd, &exit_code] {
    if (!cmd->get_subcommands().empty()) return;  // backup, restore or fsck ran instead
    exit_code = run_store(*options);
  });
}

}  // namespace upgate::cli
