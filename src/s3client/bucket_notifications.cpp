#include "upgate/s3client/bucket_notifications.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <pugixml.hpp>

#include "upgate/s3/xml_writer.hpp"
#include "upgate/s3client/error_response.hpp"
#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"
#include "xml_answer.hpp"

namespace upgate::s3client {
namespace {

using text::trim_xml_space;

constexpr std::string_view kSnsVersion = "2010-03-31";

// One SNS-style action of RGW's topic API: POST / with the form-encoded parameters.
S3Call topic_call(std::string operation,
                  const std::vector<std::pair<std::string_view, std::string_view>>& params) {
  S3Call call;
  call.operation = operation;
  call.method = "POST";
  call.service = "sns";
  call.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  call.body = "Action=" + operation;
  for (const auto& [name, value] : params) {
    call.body.push_back('&');
    sigv4::append_uri_encoded(call.body, name, true);
    call.body.push_back('=');
    sigv4::append_uri_encoded(call.body, value, true);
  }
  call.body += "&Version=";
  call.body += kSnsVersion;
  return call;
}

S3Call notification_call(std::string operation, std::string method, std::string_view bucket,
                         std::string id = {}) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::string(bucket);
  call.query = {{"notification", std::move(id)}};
  return call;
}

std::string text_of(const pugi::xml_node& node, const char* child) {
  return std::string(trim_xml_space(node.child_value(child)));
}

}  // namespace

std::string notification_configuration_xml(const std::vector<TopicNotification>& notifications) {
  s3::XmlWriter xml;
  xml.open("NotificationConfiguration", s3::kS3XmlNamespace);
  for (const auto& n : notifications) {
    xml.open("TopicConfiguration").element("Id", n.id).element("Topic", n.topic_arn);
    for (const auto& event : n.events) xml.element("Event", event);
    if (!n.prefix.empty()) {
      xml.open("Filter").open("S3Key").open("FilterRule");
      xml.element("Name", "prefix").element("Value", n.prefix);
      xml.close().close().close();
    }
    xml.close();
  }
  xml.close();
  return std::move(xml).finish();
}

Expected<std::vector<TopicNotification>, std::string> parse_notification_configuration_xml(
    std::string_view document) {
  auto answer = detail::load_answer(document, "NotificationConfiguration");
  if (!answer) return Unexpected(std::move(answer).error());
  std::vector<TopicNotification> out;
  for (const pugi::xml_node topic : answer->root.children("TopicConfiguration")) {
    if (out.size() == kMaxNotifications) {
      return Unexpected("it holds more than " + std::to_string(kMaxNotifications) +
                        " topic configurations");
    }
    TopicNotification n;
    n.id = text_of(topic, "Id");
    n.topic_arn = text_of(topic, "Topic");
    if (n.topic_arn.empty()) return Unexpected(std::string("a TopicConfiguration has no Topic"));
    for (const pugi::xml_node event : topic.children("Event")) {
      n.events.emplace_back(trim_xml_space(event.child_value()));
    }
    for (const pugi::xml_node rule : topic.child("Filter").child("S3Key").children("FilterRule")) {
      if (text::iequals(text_of(rule, "Name"), "prefix")) n.prefix = text_of(rule, "Value");
    }
    out.push_back(std::move(n));
  }
  return out;
}

Expected<std::string, std::string> parse_create_topic_response(std::string_view document) {
  auto answer = detail::load_answer(document, "CreateTopicResponse");
  if (!answer) return Unexpected(std::move(answer).error());
  std::string arn = text_of(answer->root.child("CreateTopicResult"), "TopicArn");
  if (arn.rfind("arn:", 0) != 0) return Unexpected(std::string("it has no TopicArn"));
  return arn;
}

Expected<TopicAttributes, std::string> parse_topic_attributes_response(std::string_view document) {
  auto answer = detail::load_answer(document, "GetTopicAttributesResponse");
  if (!answer) return Unexpected(std::move(answer).error());
  TopicAttributes out;
  std::string endpoint_json;
  for (const pugi::xml_node entry :
       answer->root.child("GetTopicAttributesResult").child("Attributes").children("entry")) {
    const std::string key = text_of(entry, "key");
    if (key == "TopicArn") out.arn = text_of(entry, "value");
    if (key == "EndPoint") endpoint_json = text_of(entry, "value");
  }
  if (out.arn.empty()) return Unexpected(std::string("it has no TopicArn attribute"));
  if (endpoint_json.empty()) return out;
  // {"EndpointAddress":"http://...","EndpointArgs":"...","Persistent":"true",...}
  boost::system::error_code ec;
  const boost::json::value endpoint = boost::json::parse(endpoint_json, ec);
  const boost::json::object* fields = ec ? nullptr : endpoint.if_object();
  if (fields == nullptr) return Unexpected(std::string("its EndPoint attribute is not JSON"));
  if (const auto* address = fields->if_contains("EndpointAddress");
      address && address->is_string()) {
    out.push_endpoint = std::string(address->get_string());
  }
  if (const auto* persistent = fields->if_contains("Persistent")) {
    out.persistent = (persistent->is_string() && persistent->get_string() == "true") ||
                     (persistent->is_bool() && persistent->get_bool());
  }
  return out;
}

Expected<std::string, ClientError> create_push_topic(const S3Client& client,
                                                     const PushTopic& topic) {
  const S3Call call = topic_call(
      "CreateTopic", {{"Name", topic.name},
                      {"Attributes.entry.1.key", "push-endpoint"},
                      {"Attributes.entry.1.value", topic.push_endpoint},
                      {"Attributes.entry.2.key", "persistent"},
                      {"Attributes.entry.2.value", topic.persistent ? "true" : "false"},
                      {"Attributes.entry.3.key", "verify-ssl"},
                      {"Attributes.entry.3.value", topic.verify_ssl ? "true" : "false"}});
  return detail::send_and_read(client, call, parse_create_topic_response);
}

Expected<TopicAttributes, ClientError> get_topic_attributes(const S3Client& client,
                                                            std::string_view arn) {
  return detail::send_and_read(client, topic_call("GetTopicAttributes", {{"TopicArn", arn}}),
                               parse_topic_attributes_response);
}

Expected<void, ClientError> delete_topic(const S3Client& client, std::string_view arn) {
  auto response = client.send(topic_call("DeleteTopic", {{"TopicArn", arn}}));
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

Expected<void, ClientError> put_bucket_notifications(
    const S3Client& client, std::string_view bucket,
    const std::vector<TopicNotification>& notifications) {
  S3Call call = notification_call("PutBucketNotificationConfiguration", "PUT", bucket);
  call.headers = {{"Content-Type", "application/xml"}};
  call.body = notification_configuration_xml(notifications);
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

Expected<std::vector<TopicNotification>, ClientError> get_bucket_notifications(
    const S3Client& client, std::string_view bucket) {
  return detail::send_and_read(
      client, notification_call("GetBucketNotificationConfiguration", "GET", bucket),
      parse_notification_configuration_xml);
}

Expected<void, ClientError> delete_bucket_notification(const S3Client& client,
                                                       std::string_view bucket,
                                                       std::string_view id) {
  auto response =
      client.send(notification_call("DeleteBucketNotification", "DELETE", bucket, std::string(id)));
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

}  // namespace upgate::s3client
