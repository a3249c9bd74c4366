// Amazon SNS HTTP(S) messages: the JSON body SNS POSTs to a subscribed endpoint.
//
// Three types: SubscriptionConfirmation (visit SubscribeURL once, after verification, to
// confirm), Notification (Message holds what was published: for S3 bucket events, the
// `{"Records":[...]}` document of s3_event_records.hpp) and UnsubscribeConfirmation.
//
// parse_sns_message() takes the body as hostile: size-capped before parsing, depth-capped,
// every field it reads must be a string, the fields the type's signature covers must be
// present, and any other Type is refused. It does not verify anything; SnsVerifier does.
//
// sns_string_to_sign() is the canonical string AWS documents ("Verifying the signatures of
// Amazon SNS messages"): for each field in this order, name "\n" value "\n":
//   Notification:              Message, MessageId, Subject (only when present), Timestamp,
//                              TopicArn, Type
//   Subscription/Unsubscribe-
//   Confirmation:              Message, MessageId, SubscribeURL, Timestamp, Token,
//                              TopicArn, Type
// with the values as JSON-decoded (escapes such as \n turned back into the characters).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"

namespace upgate::events {

enum class SnsMessageType : std::uint8_t {
  kSubscriptionConfirmation,
  kNotification,
  kUnsubscribeConfirmation,
};
std::string_view to_string(SnsMessageType type);  // as SNS spells it in Type

struct SnsMessage {
  SnsMessageType type = SnsMessageType::kNotification;
  std::string message_id;
  std::string topic_arn;
  std::string message;
  std::string timestamp;
  std::string signature_version;  // "1" or "2" when genuine; checked by the verifier
  std::string signature;          // base64
  std::string signing_cert_url;
  std::optional<std::string> subject;  // Notification only, when published with one
  std::string token;                   // confirmations
  std::string subscribe_url;           // confirmations
  std::string unsubscribe_url;         // Notification
};

inline constexpr std::size_t kMaxSnsBodyBytes = 1024 * 1024;  // SNS messages are <= 256 KiB

Expected<SnsMessage, std::string> parse_sns_message(std::string_view body,
                                                    std::size_t max_bytes = kMaxSnsBodyBytes);

std::string sns_string_to_sign(const SnsMessage& message);

}  // namespace upgate::events
