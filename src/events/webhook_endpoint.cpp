#include "upgate/events/webhook_endpoint.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

#include "upgate/s3client/client_error.hpp"
#include "upgate/text.hpp"

namespace upgate::events {
namespace {

constexpr std::size_t kMaxInFlight = 256;
constexpr std::size_t kMaxTimeoutSeconds = 300;

Unexpected<EndpointError> fail(std::string field, std::string message) {
  return Unexpected(EndpointError{std::move(field), std::move(message)});
}

bool valid_variable_name(std::string_view name) {
  if (name.empty() || text::is_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return text::is_alnum(c) || c == '_'; });
}

}  // namespace

bool WebhookEndpoint::wants(const Event& event) const {
  const bool type_ok =
      events.empty() || std::find(events.begin(), events.end(), event.type) != events.end();
  const bool profile_ok =
      profiles.empty() || (!event.profile.empty() && std::find(profiles.begin(), profiles.end(),
                                                               event.profile) != profiles.end());
  return type_ok && profile_ok;
}

Expected<WebhookEndpoint, EndpointError> make_endpoint(const WebhookEndpointConfig& config,
                                                       const config::Environment& environment) {
  WebhookEndpoint endpoint;
  auto url = boost::urls::parse_absolute_uri(config.url);
  if (!url || (url->scheme() != "https" && url->scheme() != "http") || !url->has_authority() ||
      url->host().empty() || url->has_userinfo() || url->has_fragment()) {
    return fail("url", "the webhook url '" + s3client::printable(config.url, 200) +
                           "' is not an http(s) URL with a host (and no user info or fragment)");
  }
  endpoint.url = config.url;
  endpoint.name = config.name.empty() ? config.url : config.name;
  if (endpoint.name.size() > 200 || !text::is_valid_utf8(endpoint.name) ||
      std::any_of(endpoint.name.begin(), endpoint.name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    return fail("name", "the webhook name is not 1 to 200 printable characters");
  }
  if (endpoint.name.starts_with(kReservedEndpointPrefix)) {
    return fail("name", "names starting with \"upgate:\" are upgate's own (its work queues)");
  }

  if (!valid_variable_name(config.secret_env)) {
    return fail("secret_env",
                "secret_env must name an environment variable (letters, digits, '_')");
  }
  const auto value = environment.get(config.secret_env);
  if (!value) {
    return fail("secret_env", "the environment variable " + config.secret_env +
                                  " (secret_env of webhook " + endpoint.name + ") is not set");
  }
  auto secrets = parse_secret_list(*value, config.secret_env);
  if (!secrets) return fail("secret_env", std::move(secrets).error());
  endpoint.secrets = std::move(*secrets);

  for (std::size_t i = 0; i < config.events.size(); ++i) {
    const auto type = parse_event_type(config.events[i]);
    if (!type) {
      return fail("events[" + std::to_string(i) + "]",
                  "'" + s3client::printable(config.events[i], 100) +
                      "' is not upload.completed, upload.rejected or object.deleted");
    }
    if (std::find(endpoint.events.begin(), endpoint.events.end(), *type) == endpoint.events.end()) {
      endpoint.events.push_back(*type);
    }
  }
  for (std::size_t i = 0; i < config.profiles.size(); ++i) {
    if (config.profiles[i].empty()) {
      return fail("profiles[" + std::to_string(i) + "]", "a profile name is empty");
    }
  }
  endpoint.profiles = config.profiles;
  if (config.max_in_flight == 0 || config.max_in_flight > kMaxInFlight) {
    return fail("max_in_flight", "max_in_flight must be 1 to " + std::to_string(kMaxInFlight));
  }
  endpoint.max_in_flight = config.max_in_flight;
  if (config.timeout_seconds == 0 || config.timeout_seconds > kMaxTimeoutSeconds) {
    return fail("timeout_seconds",
                "timeout_seconds must be 1 to " + std::to_string(kMaxTimeoutSeconds));
  }
  endpoint.timeout = std::chrono::seconds(config.timeout_seconds);
  return endpoint;
}

std::vector<std::string> subscribers(const std::vector<WebhookEndpoint>& endpoints,
                                     const Event& event) {
  std::vector<std::string> names;
  for (const WebhookEndpoint& endpoint : endpoints) {
    if (endpoint.wants(event)) names.push_back(endpoint.name);
  }
  return names;
}

}  // namespace upgate::events
