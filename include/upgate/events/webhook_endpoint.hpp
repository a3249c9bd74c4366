// A webhook endpoint: where the app wants events, which ones, and the secrets that sign them.
//
// upgate.toml describes each in a `[[webhooks]]` table; the API engineer's config reader
// fills a WebhookEndpointConfig per table and calls make_endpoint():
//   [[webhooks]]
//   name = "app"                        # optional; the outbox's name for it (default: url)
//   url = "https://app.example.com/hooks/upgate"
//   secret_env = "UPGATE_WEBHOOK_SECRET"  # the variable holding "whsec_..." (several,
//                                         # space-separated, during a rotation)
//   events = ["upload.completed", "upload.rejected"]   # optional; default: all three
//   profiles = ["photos"]               # optional; default: every profile
//   max_in_flight = 4                   # optional; concurrent requests to this endpoint
//   timeout_seconds = 15                # optional; whole request, 1..300
//
// Promises: make_endpoint() checks everything and names the field at fault (`url`,
// `secret_env`, `events[1]`, ...); the secret's value never appears in a message. The name
// is the endpoint's identity in the outbox: deliveries queued for a name survive a URL
// change; renaming an endpoint leaves its queued deliveries with the old name (listed,
// replayable, never delivered until a configured endpoint has that name again). Names
// starting with "upgate:" are refused: upgate queues work of its own in the outbox under
// such names (outbox_worker.hpp).
//
// Routing: wants(event) is true when the event's type is in `events` and its profile in
// `profiles` (an event without a profile, from a storage notification for an upload upgate
// did not sign, matches only an endpoint that lists no profiles).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/config/environment.hpp"
#include "upgate/events/event.hpp"
#include "upgate/events/webhook_signature.hpp"
#include "upgate/expected.hpp"

namespace upgate::events {

inline constexpr std::string_view kReservedEndpointPrefix = "upgate:";

struct WebhookEndpointConfig {
  std::string name;
  std::string url;
  std::string secret_env;
  std::vector<std::string> events;
  std::vector<std::string> profiles;
  std::size_t max_in_flight = 4;
  std::size_t timeout_seconds = 15;
};

struct WebhookEndpoint {
  std::string name;
  std::string url;
  std::vector<WebhookSecret> secrets;
  std::vector<EventType> events;      // empty: all
  std::vector<std::string> profiles;  // empty: all
  std::size_t max_in_flight = 4;
  std::chrono::seconds timeout{15};

  bool wants(const Event& event) const;
};

struct EndpointError {
  std::string field;    // "url", "secret_env", "events[1]", ...
  std::string message;  // one line, never the secret
};

Expected<WebhookEndpoint, EndpointError> make_endpoint(const WebhookEndpointConfig& config,
                                                       const config::Environment& environment);

// The names of the endpoints that want `event`, in configuration order.
std::vector<std::string> subscribers(const std::vector<WebhookEndpoint>& endpoints,
                                     const Event& event);

}  // namespace upgate::events
