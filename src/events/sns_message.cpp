#include "upgate/events/sns_message.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <iterator>
#include <optional>

#include "upgate/enum_names.hpp"

namespace upgate::events {
namespace {

// The Type field's words, which to_string writes and the parser reads.
constexpr EnumName<SnsMessageType> kTypeNames[] = {
    {SnsMessageType::kSubscriptionConfirmation, "SubscriptionConfirmation"},
    {SnsMessageType::kNotification, "Notification"},
    {SnsMessageType::kUnsubscribeConfirmation, "UnsubscribeConfirmation"},
};
static_assert(each_value_once(kTypeNames));
static_assert(std::size(kTypeNames) == 3);

// Reads `name` into `out`: absent or null leaves it alone and returns false; another type
// than string is an error.
Expected<bool, std::string> read(const boost::json::object& object, std::string_view name,
                                 std::string& out) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) return false;
  if (!value->is_string())
    return Unexpected("the SNS message's " + std::string(name) + " is not a string");
  out.assign(value->get_string().data(), value->get_string().size());
  return true;
}

}  // namespace

std::string_view to_string(SnsMessageType type) {
  return name_of(kTypeNames, type, "Notification");
}

Expected<SnsMessage, std::string> parse_sns_message(std::string_view body, std::size_t max_bytes) {
  if (body.size() > max_bytes) {
    return Unexpected("the SNS message is larger than " + std::to_string(max_bytes) + " bytes");
  }
  boost::json::parse_options options;
  options.max_depth = 8;
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(body, ec, {}, options);
  if (ec) return Unexpected("the SNS message is not JSON: " + ec.message());
  if (!document.is_object()) return Unexpected(std::string("the SNS message is not an object"));
  const auto& object = document.get_object();

  SnsMessage message;
  std::string type;
  if (auto got = read(object, "Type", type); !got) return Unexpected(std::move(got).error());
  const std::optional<SnsMessageType> known = value_named(kTypeNames, type);
  if (!known) {
    return Unexpected(
        std::string("the SNS message's Type is not Notification, SubscriptionConfirmation or "
                    "UnsubscribeConfirmation"));
  }
  message.type = *known;

  struct Field {
    std::string_view name;
    std::string* target;
    bool required;
  };
  const bool confirmation = message.type != SnsMessageType::kNotification;
  const Field fields[] = {
      {"MessageId", &message.message_id, true},
      {"TopicArn", &message.topic_arn, true},
      {"Message", &message.message, true},
      {"Timestamp", &message.timestamp, true},
      {"SignatureVersion", &message.signature_version, true},
      {"Signature", &message.signature, true},
      {"SigningCertURL", &message.signing_cert_url, true},
      {"Token", &message.token, confirmation},
      {"SubscribeURL", &message.subscribe_url, confirmation},
      {"UnsubscribeURL", &message.unsubscribe_url, false},
  };
  for (const Field& field : fields) {
    auto got = read(object, field.name, *field.target);
    if (!got) return Unexpected(std::move(got).error());
    if (field.required && !*got) {
      return Unexpected("the SNS message has no " + std::string(field.name));
    }
  }
  if (!confirmation) {
    std::string subject;
    auto got = read(object, "Subject", subject);
    if (!got) return Unexpected(std::move(got).error());
    if (*got) message.subject = std::move(subject);
  }
  return message;
}

std::string sns_string_to_sign(const SnsMessage& m) {
  std::string out;
  const auto add = [&out](std::string_view name, std::string_view value) {
    out.append(name).append("\n").append(value).append("\n");
  };
  add("Message", m.message);
  add("MessageId", m.message_id);
  if (m.type == SnsMessageType::kNotification) {
    if (m.subject) add("Subject", *m.subject);
    add("Timestamp", m.timestamp);
  } else {
    add("SubscribeURL", m.subscribe_url);
    add("Timestamp", m.timestamp);
    add("Token", m.token);
  }
  add("TopicArn", m.topic_arn);
  add("Type", to_string(m.type));
  return out;
}

}  // namespace upgate::events
