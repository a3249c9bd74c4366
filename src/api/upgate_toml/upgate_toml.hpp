// Reading upgate.toml: the file's text to a plain struct of what it sets, one table at
// a time. Nothing here knows about flags, UPGATE_* or AWS_* variables or defaults; the
// merge in api_config.cpp decides what wins. An absent key stays nullopt.
//
// Each top-level table has its own reader in its own file (server_table.cpp, ...),
// listed once in upgate_toml.cpp's kTables, which is also what the file's top-level
// keys are checked against. A new table is a struct and a reader declared here, its
// file, and its line in kTables. Readers refuse unknown keys and wrong types naming the
// dotted key (TomlTable does that) and build the upload profiles and the authentication
// settings, which only the file defines; every other value is checked after the merge,
// where its source is known.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "toml_table.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/upload_profile.hpp"
#include "upgate/events/webhook_endpoint.hpp"

namespace upgate::api {

// Ranges worded once, for the file here and for the variables and flags of the merge.
inline constexpr std::string_view kThreadsRange = "must be an integer from 0 (one per core) to 256";
inline constexpr std::string_view kTlsWatchRange =
    "must be a whole number of seconds from 0 (SIGHUP only) to 86400";
inline constexpr std::string_view kHstsRange =
    "must be a whole number of seconds from 0 (no Strict-Transport-Security) to 63072000";
inline std::string drain_seconds_range() {
  return "must be a whole number of seconds from 0 (stop at once) to " +
         std::to_string(kMaxDrainSeconds);
}

// [server.tls] and [store.tls]: a listener's certificate pair. hsts_max_age is the API's
// only ([server.tls]).
struct TlsTable {
  std::optional<std::string> cert;
  std::optional<std::string> key;
  std::optional<unsigned> watch_seconds;
  std::optional<unsigned> hsts_max_age;
};

// Slow clients and connection caps of one listener (http::ClientLimits), the same keys
// in [server] (the API) and [store] (the embedded store of `upgate serve`).
struct ClientLimitsTable {
  std::optional<std::chrono::seconds> header_timeout;
  std::optional<std::uint64_t> body_min_rate;
  std::optional<std::uint64_t> send_min_rate;
  std::optional<std::chrono::seconds> min_rate_window;
  std::optional<std::uint64_t> max_connections;
  std::optional<std::uint64_t> max_connections_per_client;
};
inline constexpr std::array<std::string_view, 6> kClientLimitsKeys = {
    "header_timeout",  "body_min_rate",   "send_min_rate",
    "min_rate_window", "max_connections", "max_connections_per_client"};

// [server]
struct ServerTable {
  std::optional<std::string> listen;
  std::optional<unsigned> threads;
  std::optional<unsigned> drain_seconds;
  std::optional<bool> demo_page;
  std::optional<std::vector<std::string>> demo_api_origins;
  std::optional<std::vector<std::string>> trusted_proxies;
  std::optional<std::string> http_redirect;
  TlsTable tls;
  ClientLimitsTable clients;
};

// [store]: the embedded store beside `upgate serve`.
struct StoreTable {
  std::optional<std::string> domain;              // virtual-hosted buckets: BUCKET.DOMAIN
  std::optional<unsigned> abort_incomplete_days;  // the bucket's default lifecycle rule; 0: off
  TlsTable tls;
  ClientLimitsTable clients;
};

// [s3]; an empty string counts as not set.
struct S3Table {
  std::optional<std::string> endpoint;
  std::optional<std::string> region;
  std::optional<std::string> bucket;
  std::optional<bool> path_style;
  std::optional<std::string> aws_profile;
};

// [cors]
struct CorsTable {
  std::optional<std::vector<std::string>> allowed_origins;
  std::optional<bool> allow_credentials;
  std::optional<std::chrono::seconds> max_age;
};

// [log]
struct LogTable {
  std::optional<std::string> level;
  std::optional<bool> access_log;
  std::optional<bool> audit;
};

// [limits]; the profiles' own limits are read with the profiles.
struct LimitsTable {
  std::optional<std::string> rate;
  std::optional<std::int64_t> burst;
  std::optional<std::string> quota;
  std::optional<std::string> redis_url;
  std::optional<std::string> on_store_error;
  std::optional<std::int64_t> max_keys;
};

// [events]: the outbox and the storage-events route (see events_config.hpp).
struct EventsTable {
  std::optional<std::string> outbox;
  std::optional<std::string> secret_env;
  std::optional<std::vector<std::string>> sns_topic_arns;
  std::optional<std::vector<std::string>> sns_cert_hosts;
  std::optional<std::string> sns_ca_file;
  std::optional<std::chrono::seconds> retry_window;
  std::optional<unsigned> max_pending_reports;
};

// [uppy]
struct UppyTable {
  std::optional<std::string> profile;
  std::optional<unsigned> session_seconds;
};

struct FileSettings {
  ServerTable server;
  StoreTable store;
  S3Table s3;
  CorsTable cors;
  LogTable log;
  AuthConfig auth;  // [auth], checked; no table: no mode (the open API)
  LimitsTable limits;
  UppyTable uppy;
  std::vector<UploadProfile> profiles;  // [profiles.NAME], validated; empty: none
  EventsTable events;
  bool events_table = false;                            // the file has an [events] table
  std::vector<events::WebhookEndpointConfig> webhooks;  // [[webhooks]], in file order
};

Expected<void, ConfigError> read_server_table(const TomlTable& table, FileSettings& out);
Expected<void, ConfigError> read_store_table(const TomlTable& table, FileSettings& out);
// `own` and kClientLimitsKeys: the keys a [server] or [store] reader knows.
std::vector<std::string_view> with_client_limits_keys(std::initializer_list<std::string_view> own);
// The ClientLimitsTable keys of a [server] or [store] reader; checked after the merge.
void read_client_limits(KeyReader& reader, ClientLimitsTable& out);
// A `tls` sub-table of `parent`, when there is one; `api` allows hsts_max_age.
Expected<void, ConfigError> read_tls_table(const TomlTable& parent, bool api, TlsTable& out);
Expected<void, ConfigError> read_s3_table(const TomlTable& table, FileSettings& out);
Expected<void, ConfigError> read_cors_table(const TomlTable& table, FileSettings& out);
Expected<void, ConfigError> read_log_table(const TomlTable& table, FileSettings& out);
Expected<void, ConfigError> read_auth_table(const TomlTable& table, FileSettings& out);
Expected<void, ConfigError> read_limits_table(const TomlTable& table, FileSettings& out);
Expected<void, ConfigError> read_uppy_table(const TomlTable& table, FileSettings& out);
Expected<void, ConfigError> read_profiles_table(const TomlTable& table, FileSettings& out);
Expected<void, ConfigError> read_events_table(const TomlTable& table, FileSettings& out);
// [[webhooks]] is an array of tables: its reader takes the root.
Expected<void, ConfigError> read_webhooks_tables(const TomlTable& root, FileSettings& out);

// `source` names the file in syntax errors ("upgate.toml line 3: ...").
Expected<FileSettings, ConfigError> read_upgate_toml(std::string_view text,
                                                     std::string_view source);

}  // namespace upgate::api
