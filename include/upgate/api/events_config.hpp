// upgate::api::EventsSettings: the [events] table and the [[webhooks]] tables of upgate.toml,
// for `upgate serve` and `upgate webhooks` (docs/EVENTS.md). Read from the same file
// load_api_config() read (ApiConfig::config_path), after it accepted the file, so a bad
// table has already stopped start-up with the field named.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/config/config_error.hpp"
#include "upgate/events/webhook_endpoint.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

struct EventsConfig {
  // The SQLite outbox; empty: <data dir>/events.db (serve's --data-dir / UPGATE_DATA_DIR).
  std::string outbox;
  // The variable holding the secret of POST /v1/events/s3 (header X-Upgate-Events-Secret
  // or the path /v1/events/s3/<secret>); empty: the route is off.
  std::string secret_env;
  std::vector<std::string> sns_topic_arns;  // empty: any topic
  std::vector<std::string> sns_cert_hosts;  // empty: sns.*.amazonaws.com(.cn)
  std::string sns_ca_file;                  // trust for SNS certificates; empty: the system's
  std::chrono::seconds retry_window{24 * 3600};
  // Storage reports committed and waiting for verification (reported_upload_verifier.hpp)
  // beyond which a new one is refused (POST /v1/events/s3 answers 503).
  std::size_t max_pending_reports = 100'000;
};

struct EventsSettings {
  EventsConfig events;
  // [[webhooks]], shape-checked; secrets are read when serve starts (make_endpoint).
  std::vector<events::WebhookEndpointConfig> webhooks;
  // Events are on when the file has [[webhooks]] or an [events] table.
  bool configured = false;
};

// `path` empty: no file, events off.
Expected<EventsSettings, config::ConfigError> load_events_settings(const std::string& path);
// The same from the file's text; `source` names it in errors.
Expected<EventsSettings, config::ConfigError> parse_events_settings(std::string_view toml,
                                                                    std::string_view source);

}  // namespace upgate::api
