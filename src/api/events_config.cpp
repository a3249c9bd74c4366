#include "upgate/api/events_config.hpp"

#include "upgate/api/api_config.hpp"
#include "upgate/config/aws_shared_config.hpp"
#include "upgate_toml/upgate_toml.hpp"

namespace upgate::api {

Expected<EventsSettings, ConfigError> parse_events_settings(std::string_view toml,
                                                            std::string_view source) {
  auto file = read_upgate_toml(toml, source);
  if (!file) return Unexpected(std::move(file).error());
  EventsSettings out;
  const EventsTable& t = file->events;
  out.configured = file->events_table || !file->webhooks.empty();
  out.events.outbox = t.outbox.value_or("");
  out.events.secret_env = t.secret_env.value_or("");
  out.events.sns_topic_arns = t.sns_topic_arns.value_or(std::vector<std::string>{});
  out.events.sns_cert_hosts = t.sns_cert_hosts.value_or(std::vector<std::string>{});
  out.events.sns_ca_file = t.sns_ca_file.value_or("");
  if (t.retry_window) {
    if (t.retry_window->count() < 60) {
      return Unexpected(ConfigError{"events.retry_window", "must be at least 60 seconds"});
    }
    out.events.retry_window = *t.retry_window;
  }
  if (t.max_pending_reports) out.events.max_pending_reports = *t.max_pending_reports;
  out.webhooks = std::move(file->webhooks);
  return out;
}

Expected<EventsSettings, ConfigError> load_events_settings(const std::string& path) {
  if (path.empty()) return EventsSettings{};
  auto text = config::read_bounded_file(path, kMaxConfigFileBytes, "--config");
  if (!text) return Unexpected(text.error());
  if (!*text) return Unexpected(ConfigError{"--config", path + " does not exist"});
  return parse_events_settings(**text, path);
}

}  // namespace upgate::api
