// Standard Webhooks signatures (https://www.standardwebhooks.com, spec 1.0.0, symmetric).
//
// A secret is written `whsec_<base64>`: the key is the base64-decoded bytes (24 to 64 of
// them, as the spec asks for at least 192 bits). A message is signed as
//   webhook-id:        the event id (stable across retries; never contains '.')
//   webhook-timestamp: the attempt's time, integer seconds since the epoch
//   webhook-signature: "v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>"
// and during a rotation with every secret in turn, space-separated, so a receiver that
// knows either key verifies.
//
// Promises:
// - A WebhookSecret never prints: no operator<<, no conversion; errors about a secret name
//   where it came from (an environment variable's name), never its value or its length.
//   The key bytes live in an HMAC key schedule (sigv4::HmacKey) and are wiped when parsed.
// - parse_secret_list() reads an environment variable's value: one or more secrets
//   separated by spaces (any run of spaces or tabs), in the order they sign.
// - verify_webhook() is the receiver's side, kept for tests and symmetry: it checks the
//   timestamp against `now` within `tolerance` (both directions, the spec's 5 minutes by
//   default), then every `v1,` entry of the signature header against every secret, in
//   constant time per comparison; entries of other versions (`v1a`, `v2`) are skipped.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"

namespace upgate::events {

class WebhookSecret {
 public:
  // `whsec_` + standard base64 (padding optional). `origin` names where the text came
  // from for the error message ("WEBHOOK_SECRET", "secret 2 of WEBHOOK_SECRET").
  static Expected<WebhookSecret, std::string> parse(std::string_view whsec,
                                                    std::string_view origin);

  // base64(HMAC-SHA256(key, message)).
  std::string sign(std::string_view message) const;

 private:
  struct Key;
  explicit WebhookSecret(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const Key> key_;  // immutable, so copies share it safely across threads
};

// The secrets in an environment variable's value, space-separated. `variable` is the
// variable's name, for error messages. An empty list is an error.
Expected<std::vector<WebhookSecret>, std::string> parse_secret_list(std::string_view value,
                                                                    std::string_view variable);

inline constexpr std::size_t kMinSecretBytes = 24;
inline constexpr std::size_t kMaxSecretBytes = 64;

struct WebhookHeaders {
  std::string id;         // webhook-id
  std::string timestamp;  // webhook-timestamp
  std::string signature;  // webhook-signature
};

// The three headers for one attempt of one event.
WebhookHeaders sign_webhook(const std::vector<WebhookSecret>& secrets, std::string_view id,
                            std::int64_t unix_seconds, std::string_view body);

enum class WebhookVerifyError {
  kMissingHeader,    // id, timestamp or signature empty
  kBadTimestamp,     // not an integer
  kTimestampTooOld,  // older than now - tolerance
  kTimestampTooNew,  // newer than now + tolerance
  kNoMatchingSignature,
};
std::string_view describe(WebhookVerifyError error);

Expected<void, WebhookVerifyError> verify_webhook(
    const std::vector<WebhookSecret>& secrets, const WebhookHeaders& headers, std::string_view body,
    std::chrono::system_clock::time_point now,
    std::chrono::seconds tolerance = std::chrono::minutes(5));

}  // namespace upgate::events
