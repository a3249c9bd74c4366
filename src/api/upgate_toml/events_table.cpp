// [events] and [[webhooks]]: where events are kept, how storage reports them, and the
// endpoints that hear of them. The endpoints' secrets are read (from the variable each
// names) when `upgate serve` starts, by events::make_endpoint().
#include "upgate/config/units.hpp"
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_events_table(const TomlTable& t, FileSettings& out) {
  KeyReader r(t, {"outbox", "secret_env", "sns_topic_arns", "sns_cert_hosts", "sns_ca_file",
                  "retry_window", "max_pending_reports"});
  out.events_table = true;
  r.string("outbox", out.events.outbox);
  r.string("secret_env", out.events.secret_env);
  r.strings("sns_topic_arns", out.events.sns_topic_arns);
  r.strings("sns_cert_hosts", out.events.sns_cert_hosts);
  r.string("sns_ca_file", out.events.sns_ca_file);
  r.quantity("retry_window", config::parse_duration, "a duration such as 86400 or \"24h\"",
             out.events.retry_window);
  r.integer_in("max_pending_reports", 1, 10'000'000, "must be an integer from 1 to 10000000",
               out.events.max_pending_reports);
  return r.result();
}

Expected<void, ConfigError> read_webhooks_tables(const TomlTable& root, FileSettings& out) {
  auto tables = root.tables("webhooks");
  if (!tables) return Unexpected(std::move(tables).error());
  for (const TomlTable& t : *tables) {
    std::optional<std::string> name, url, secret_env;
    std::optional<std::vector<std::string>> events, profiles;
    std::optional<unsigned> max_in_flight, timeout_seconds;
    KeyReader r(
        t, {"name", "url", "secret_env", "events", "profiles", "max_in_flight", "timeout_seconds"});
    r.string("name", name);
    r.string("url", url);
    r.string("secret_env", secret_env);
    r.strings("events", events);
    r.strings("profiles", profiles);
    r.integer_in("max_in_flight", 1, 256, "must be an integer from 1 to 256", max_in_flight);
    r.integer_in("timeout_seconds", 1, 300, "must be a whole number of seconds from 1 to 300",
                 timeout_seconds);
    if (auto ok = r.result(); !ok) return ok;
    if (!url) return Unexpected(ConfigError{t.field("url"), "is required"});
    if (!secret_env) return Unexpected(ConfigError{t.field("secret_env"), "is required"});
    events::WebhookEndpointConfig endpoint;
    endpoint.name = name.value_or("");
    endpoint.url = *url;
    endpoint.secret_env = *secret_env;
    endpoint.events = events.value_or(std::vector<std::string>{});
    endpoint.profiles = profiles.value_or(std::vector<std::string>{});
    if (max_in_flight) endpoint.max_in_flight = *max_in_flight;
    if (timeout_seconds) endpoint.timeout_seconds = *timeout_seconds;
    out.webhooks.push_back(std::move(endpoint));
  }
  return {};
}

}  // namespace upgate::api
