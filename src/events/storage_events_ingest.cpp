#include "upgate/events/storage_events_ingest.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>

#include "upgate/text.hpp"

namespace upgate::events {
namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

Digest digest(std::string_view text) {
  Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

IngestAnswer answer(int status, std::string code, std::string message) {
  IngestAnswer a;
  a.status = status;
  a.code = std::move(code);
  a.message = std::move(message);
  return a;
}

std::string random_marker() {
  std::array<std::uint8_t, 16> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  return "rnd-" + text::hex_lower(bytes);
}

bool looks_like_sns(std::string_view body) {
  // SNS bodies are JSON objects with "Type" and "TopicArn"; S3 records have "Records".
  return body.find("\"TopicArn\"") != std::string_view::npos &&
         body.find("\"Type\"") != std::string_view::npos &&
         body.find("\"Records\"") == std::string_view::npos;
}

}  // namespace

struct StorageEventsIngest::State {
  std::vector<Digest> secrets;
  std::optional<SnsVerifier> sns;
  SubscriptionConfirmer confirm;
  S3EventParseOptions records;

  bool authenticated(const IngestRequest& request) const {
    std::optional<std::string_view> given = request.secret_header;
    if (!given || given->empty()) given = request.path_secret;
    if (!given || given->empty()) return false;
    const Digest presented = digest(*given);
    bool match = false;
    for (const auto& secret : secrets) {  // every one compared: no early exit
      match |= CRYPTO_memcmp(presented.data(), secret.data(), secret.size()) == 0;
    }
    return match;
  }

  IngestAnswer records_answer(std::string_view body,
                              std::chrono::system_clock::time_point now) const {
    auto batch = parse_s3_event_records(body, records);
    if (!batch) return answer(400, "bad_records", batch.error());
    IngestAnswer a = answer(200, "ok", batch->test_event ? "test event" : "");
    for (const auto& record : batch->events) {
      a.events.push_back(to_event(record, now, random_marker()));
    }
    a.message = std::to_string(a.events.size()) + " events";
    return a;
  }
};

Expected<StorageEventsIngest, std::string> StorageEventsIngest::create(
    StorageEventsIngestOptions options) {
  if (options.secrets.empty()) return Unexpected(std::string("no secret for the events route"));
  auto state = std::make_shared<State>();
  for (const auto& secret : options.secrets) {
    if (secret.size() < 16) {
      return Unexpected(std::string("an events route secret is shorter than 16 characters"));
    }
    state->secrets.push_back(digest(secret));
  }
  if (options.sns && !options.confirm) {
    return Unexpected(std::string("SNS needs a subscription confirmer"));
  }
  state->sns = std::move(options.sns);
  state->confirm = std::move(options.confirm);
  state->records = options.records;
  return StorageEventsIngest(std::move(state));
}

std::optional<IngestAnswer> StorageEventsIngest::refuse_unauthenticated(
    const IngestRequest& request) const {
  if (state_->authenticated(request)) return std::nullopt;
  return answer(401, "unauthorized", "a valid events secret is required");
}

IngestAnswer StorageEventsIngest::handle(const IngestRequest& request,
                                         std::chrono::system_clock::time_point now) const {
  const State& s = *state_;
  if (auto refused = refuse_unauthenticated(request)) return std::move(*refused);
  const bool sns = request.sns_message_type.has_value() || looks_like_sns(request.body);
  if (!sns) return s.records_answer(request.body, now);

  if (!s.sns) return answer(403, "sns_disabled", "SNS messages are not accepted here");
  auto message = parse_sns_message(request.body);
  if (!message) return answer(400, "bad_sns_message", message.error());
  if (auto verified = s.sns->verify(*message, now); !verified) {
    return answer(403, "sns_refused",
                  std::string(to_string(verified.error().code)) + ": " + verified.error().message);
  }
  switch (message->type) {
    case SnsMessageType::kSubscriptionConfirmation: {
      if (!s.sns->host_allowed(message->subscribe_url)) {
        return answer(403, "sns_refused", "the SubscribeURL's host is not an allowed SNS host");
      }
      if (auto confirmed = s.confirm(message->subscribe_url); !confirmed) {
        return answer(502, "confirm_failed", confirmed.error());
      }
      return answer(200, "confirmed", "subscription to " + message->topic_arn + " confirmed");
    }
    case SnsMessageType::kUnsubscribeConfirmation:
      return answer(200, "ok", "unsubscribed from " + message->topic_arn);
    case SnsMessageType::kNotification:
      break;
  }
  return s.records_answer(message->message, now);
}

}  // namespace upgate::events
