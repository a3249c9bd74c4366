// upgate::api::ApiConfig: everything `upgate serve` needs to run the upload API, merged
// from its sources and validated before anything starts.
//
// Precedence, highest first: command-line flags > UPGATE_* variables > upgate.toml >
// AWS_* variables > the AWS shared files' profile > defaults. A bad value stops start-up
// with a ConfigError naming the field as the user wrote it (the flag, the variable or
// the file's dotted key). Unknown keys in upgate.toml are errors too, so a typo does not
// silently leave a default in place. Reading the file is src/api/upgate_toml/ (one
// reader per table); merging the sources is one first_of() per setting
// (config/first_source.hpp), then the checks.
//
// With no config file the one profile is default_profile() (the seed's behaviour), CORS
// allows the demo page's own origin, and the S3 target is the embedded store at
// http://127.0.0.1:9000, bucket `uploads` (or AWS_S3_BUCKET_NAME).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/auth_config.hpp"
#include "upgate/api/client_address.hpp"
#include "upgate/api/limits_config.hpp"
#include "upgate/api/profile_set.hpp"
#include "upgate/config/config_error.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/config/s3_target.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/server.hpp"
#include "upgate/http/tls.hpp"

namespace upgate::api {

struct CorsConfig {
  std::vector<std::string> allowed_origins;  // exact origins, or the single entry "*"
  bool allow_credentials = false;            // never together with "*"
  std::chrono::seconds max_age{600};
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, off
  bool access_log = true;      // one JSON line per request
  bool audit = true;           // one JSON line per URL issued or refused, whatever the level
};

// [uppy]: the Uppy companion routes (uppy_routes.hpp) and upload sessions.
struct UppyConfig {
  // The profile (or folder of the `*` profile) Uppy's requests use when their metadata
  // names none; empty: the only profile when there is one, else metadata must name one.
  std::string profile;
  std::chrono::seconds session_lifetime{3600};  // POST /v1/sessions' tokens, 60 s to 24 h

  // `profile`, or the only profile's name; empty when neither.
  std::string default_profile(const ProfileSet& profiles) const;
};

// What the API says about HTTPS beyond serving it; off by default.
struct HttpsPolicy {
  // > 0 and the API on TLS: Strict-Transport-Security: max-age=N on every answer.
  std::chrono::seconds hsts_max_age{0};
};

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

// An upload token lives 24 hours (upload_token.hpp), so an upload left incomplete for a day
// can no longer be continued through the API: aborting it then loses nothing resumable.
inline constexpr unsigned kDefaultStoreAbortIncompleteDays = 1;
inline constexpr unsigned kMaxAbortIncompleteDays = 36500;

struct ApiConfig {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  unsigned threads = 0;  // 0: one per core
  // After the first SIGTERM/SIGINT: /readyz 503 while serving on, this long, then stop.
  std::chrono::seconds drain_period{0};
  bool demo_page = true;
  // `[server] demo_api_origins`: the other upload APIs (and the stores they sign for) the
  // demo page may talk to: `?api=` is honoured only for one of these origins, and they are
  // in the page's Content-Security-Policy connect-src (demo_page.hpp). Lower case.
  std::vector<std::string> demo_api_origins;
  std::string config_path;  // the upgate.toml read, or empty

  config::S3Target s3;
  ProfileSet profiles;
  CorsConfig cors;
  LogConfig log;
  AuthConfig auth;
  // `[server] trusted_proxies` or UPGATE_TRUSTED_PROXIES: peers whose X-Forwarded-For is
  // read (client_address.hpp). Empty: the peer is always the client.
  TrustedProxies trusted_proxies;
  // `[limits]`; redis_url also from UPGATE_REDIS_URL (it may hold a password).
  LimitsConfig limits;
  UppyConfig uppy;
  // Certificate pairs ([server.tls] / --tls-cert, --tls-key; [store.tls] / --store-tls-cert,
  // --store-tls-key): set, that listener speaks HTTPS only. Given both or neither file.
  std::optional<http::TlsSettings> tls;
  std::optional<http::TlsSettings> store_tls;
  // `[store] domain` / --store-domain / UPGATE_STORE_DOMAIN: the embedded store also
  // answers BUCKET.DOMAIN (virtual-hosted style), and the URLs serve signs for it are
  // scheme://BUCKET.DOMAIN:PORT/KEY (path style only when asked for). Lower case, no port;
  // empty: path-style URLs on the store's address. Only with the embedded store.
  std::string store_domain;
  // `[store] abort_incomplete_days`: the embedded store's bucket gets the lifecycle rule
  // "abort incomplete multipart uploads N days after they started" when it has no lifecycle
  // configuration of its own (an operator's is never replaced). 0: no default rule.
  unsigned store_abort_incomplete_days = kDefaultStoreAbortIncompleteDays;
  HttpsPolicy https;
  // Slow clients and connection caps: `[server]` for the API, `[store]` for the embedded
  // store (header_timeout, body_min_rate, send_min_rate, min_rate_window, max_connections,
  // max_connections_per_client; docs/LIMITS.md). Read at start only.
  http::ClientLimits clients;
  http::ClientLimits store_clients;
  // `[server] http_redirect` / --http-redirect / UPGATE_HTTP_REDIRECT: a plain-HTTP
  // listener that answers every request 308 to the same host and target on the API's
  // HTTPS port (http/https_redirect.hpp). Only with `tls`; off by default.
  std::optional<ListenAddress> http_redirect;
};

// What the command line said; an unset optional was not given.
struct ApiFlags {
  std::optional<std::string> config_path;
  std::optional<std::string> listen;
  std::optional<unsigned> threads;
  std::optional<unsigned> drain_seconds;
  std::optional<std::string> endpoint;
  std::optional<std::string> region;
  std::optional<std::string> bucket;
  std::optional<bool> path_style;
  std::optional<std::string> aws_profile;
  std::vector<std::string> cors_origins;
  std::optional<std::string> log_level;
  std::optional<bool> access_log;
  std::optional<bool> demo_page;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> store_tls_cert;
  std::optional<std::string> store_tls_key;
  std::optional<std::string> store_domain;
  std::optional<std::string> http_redirect;
  // false: ApiConfig::s3 is left default-constructed, for commands that only read the
  // profiles and CORS (aws-policy) and so need no AWS credentials, profile or endpoint.
  bool resolve_s3_target = true;
};

inline constexpr std::size_t kMaxConfigFileBytes = 1024 * 1024;
inline constexpr unsigned kMaxDrainSeconds = 3600;
inline constexpr unsigned kMaxThreads = 256;
inline constexpr unsigned kMaxTlsWatchSeconds = 86400;
inline constexpr unsigned kMaxHstsSeconds = 63072000;  // two years

// Reads the config file named by --config or UPGATE_CONFIG (none: no file), then merges.
Expected<ApiConfig, config::ConfigError> load_api_config(const config::Environment& env,
                                                         const ApiFlags& flags);

// The same with the file's text given; `source` names it in errors.
Expected<ApiConfig, config::ConfigError> parse_api_config(const config::Environment& env,
                                                          const ApiFlags& flags,
                                                          std::optional<std::string_view> toml,
                                                          std::string_view source = "upgate.toml");

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080", ":8080" (loopback).
std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace upgate::api
