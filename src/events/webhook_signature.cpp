#include "upgate/events/webhook_signature.hpp"

#include <openssl/crypto.h>

#include <charconv>

#include "upgate/enum_names.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::events {

struct WebhookSecret::Key {
  explicit Key(std::string_view bytes) : hmac(bytes) {}
  sigv4::HmacKey hmac;
};

Expected<WebhookSecret, std::string> WebhookSecret::parse(std::string_view whsec,
                                                          std::string_view origin) {
  constexpr std::string_view kPrefix = "whsec_";
  if (!whsec.starts_with(kPrefix)) {
    return Unexpected("the webhook secret in " + std::string(origin) +
                      " does not start with whsec_");
  }
  std::string encoded(whsec.substr(kPrefix.size()));
  while (encoded.size() % 4 != 0) encoded.push_back('=');  // padding is optional
  std::string key;
  const bool decoded = sigv4::base64_decode(encoded, key);
  OPENSSL_cleanse(encoded.data(), encoded.size());
  if (!decoded || key.size() < kMinSecretBytes || key.size() > kMaxSecretBytes) {
    OPENSSL_cleanse(key.data(), key.size());
    return Unexpected("the webhook secret in " + std::string(origin) +
                      " is not whsec_ followed by the base64 of 24 to 64 random bytes");
  }
  auto shared = std::make_shared<const Key>(key);
  OPENSSL_cleanse(key.data(), key.size());
  return WebhookSecret(std::move(shared));
}

std::string WebhookSecret::sign(std::string_view message) const {
  const sigv4::Sha256Digest mac = key_->hmac.mac(message);
  return sigv4::base64_encode(std::span<const std::uint8_t>(mac));
}

Expected<std::vector<WebhookSecret>, std::string> parse_secret_list(std::string_view value,
                                                                    std::string_view variable) {
  std::vector<WebhookSecret> secrets;
  std::size_t ordinal = 0;
  while (true) {
    while (!value.empty() && text::is_ows(value.front())) value.remove_prefix(1);
    if (value.empty()) break;
    std::size_t end = 0;
    while (end < value.size() && !text::is_ows(value[end])) ++end;
    ++ordinal;
    const std::string origin = "secret " + std::to_string(ordinal) + " of " + std::string(variable);
    auto secret = WebhookSecret::parse(value.substr(0, end), origin);
    if (!secret) return Unexpected(std::move(secret).error());
    secrets.push_back(std::move(*secret));
    value.remove_prefix(end);
  }
  if (secrets.empty()) {
    return Unexpected(std::string(variable) + " holds no webhook secret (whsec_...)");
  }
  return secrets;
}

namespace {

std::string signed_content(std::string_view id, std::string_view timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return content;
}

}  // namespace

WebhookHeaders sign_webhook(const std::vector<WebhookSecret>& secrets, std::string_view id,
                            std::int64_t unix_seconds, std::string_view body) {
  WebhookHeaders headers;
  headers.id = std::string(id);
  headers.timestamp = std::to_string(unix_seconds);
  const std::string content = signed_content(id, headers.timestamp, body);
  for (const WebhookSecret& secret : secrets) {
    if (!headers.signature.empty()) headers.signature.push_back(' ');
    headers.signature.append("v1,").append(secret.sign(content));
  }
  return headers;
}

constexpr std::string_view kWebhookVerifyErrorSentences[] = {
    "a webhook-id, webhook-timestamp or webhook-signature header is missing",
    "webhook-timestamp is not an integer", "webhook-timestamp is too old",
    "webhook-timestamp is in the future", "no v1 signature matches"};
static_assert(names_through(kWebhookVerifyErrorSentences,
                            WebhookVerifyError::kNoMatchingSignature));

std::string_view describe(WebhookVerifyError error) {
  return name_at(kWebhookVerifyErrorSentences, error, "unknown");
}

Expected<void, WebhookVerifyError> verify_webhook(const std::vector<WebhookSecret>& secrets,
                                                  const WebhookHeaders& headers,
                                                  std::string_view body,
                                                  std::chrono::system_clock::time_point now,
                                                  std::chrono::seconds tolerance) {
  if (headers.id.empty() || headers.timestamp.empty() || headers.signature.empty()) {
    return Unexpected(WebhookVerifyError::kMissingHeader);
  }
  std::int64_t timestamp = 0;
  const char* first = headers.timestamp.data();
  const char* last = first + headers.timestamp.size();
  const auto [end, ec] = std::from_chars(first, last, timestamp);
  if (ec != std::errc() || end != last) return Unexpected(WebhookVerifyError::kBadTimestamp);
  const std::int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (now_seconds - timestamp > tolerance.count()) {
    return Unexpected(WebhookVerifyError::kTimestampTooOld);
  }
  if (timestamp - now_seconds > tolerance.count()) {
    return Unexpected(WebhookVerifyError::kTimestampTooNew);
  }
  const std::string content = signed_content(headers.id, headers.timestamp, body);
  std::vector<std::string> expected;
  expected.reserve(secrets.size());
  for (const WebhookSecret& secret : secrets) expected.push_back(secret.sign(content));

  std::string_view list = headers.signature;
  while (!list.empty()) {
    const auto space = list.find(' ');
    const std::string_view entry = list.substr(0, space);
    list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
    const auto comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1") continue;
    const std::string_view signature = entry.substr(comma + 1);
    for (const std::string& candidate : expected) {
      if (sigv4::constant_time_equal(signature, candidate)) return {};
    }
  }
  return Unexpected(WebhookVerifyError::kNoMatchingSignature);
}

}  // namespace upgate::events
