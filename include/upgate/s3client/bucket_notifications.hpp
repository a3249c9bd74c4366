// A bucket's notifications to an HTTP endpoint, as Ceph RGW makes them: a topic (RGW's
// SNS-style topic API on the S3 endpoint) whose push endpoint is a URL, and S3's bucket
// notification configuration pointing at the topic's ARN.
//
// - Topics: POST / with a form-encoded body (Action=CreateTopic | GetTopicAttributes |
//   DeleteTopic, Version=2010-03-31), signed with SigV4 as the "sns" service, as boto3's SNS
//   client signs them and RGW 16.2 (Pacific) takes them. create_push_topic creates the topic,
//   or updates it when the name exists (RGW's behaviour), and answers its ARN
//   (arn:aws:sns:<zonegroup>:<tenant>:<name>). RGW's answers are SNS's XML documents.
// - Notifications: PutBucketNotificationConfiguration (PUT ?notification) with one
//   <TopicConfiguration> per entry (Id, Topic, Event..., an optional key prefix filter),
//   GetBucketNotificationConfiguration (GET ?notification) read back into the same entries,
//   and RGW's DeleteBucketNotification (DELETE ?notification=ID), which removes one entry by
//   its id (AWS S3 has no such call: there an empty configuration is put).
// - A topic's push endpoint may hold a secret (upgate's /v1/events/s3/<secret>): these calls
//   carry it to RGW and back but never put it in a ClientError's text; callers must not
//   print TopicAttributes::push_endpoint as it is (redact it first).
// Documents are hostile input: parsed without DTDs, bounded by the client's response limit,
// at most kMaxNotifications entries read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::s3client {

inline constexpr std::size_t kMaxNotifications = 100;

struct PushTopic {
  std::string name;
  std::string push_endpoint;  // http[s]://host[:port]/path
  bool persistent = false;    // RGW queues and retries (asynchronous) instead of pushing in the
                              // request that caused the event
  bool verify_ssl = true;
};

struct TopicAttributes {
  std::string arn;
  std::string push_endpoint;  // may hold a secret: redact before showing it
  bool persistent = false;
};

struct TopicNotification {
  std::string id;
  std::string topic_arn;
  std::vector<std::string> events;  // "s3:ObjectCreated:*", ...
  std::string prefix;               // key prefix filter; empty: every key
};

Expected<std::string, ClientError> create_push_topic(const S3Client& client,
                                                     const PushTopic& topic);
Expected<TopicAttributes, ClientError> get_topic_attributes(const S3Client& client,
                                                            std::string_view arn);
Expected<void, ClientError> delete_topic(const S3Client& client, std::string_view arn);

// Replaces the bucket's notification configuration with `notifications`.
Expected<void, ClientError> put_bucket_notifications(
    const S3Client& client, std::string_view bucket,
    const std::vector<TopicNotification>& notifications);
// The bucket's topic notifications; empty when it has none.
Expected<std::vector<TopicNotification>, ClientError> get_bucket_notifications(
    const S3Client& client, std::string_view bucket);
Expected<void, ClientError> delete_bucket_notification(const S3Client& client,
                                                       std::string_view bucket,
                                                       std::string_view id);

// The documents, for tests.
std::string notification_configuration_xml(const std::vector<TopicNotification>& notifications);
Expected<std::vector<TopicNotification>, std::string> parse_notification_configuration_xml(
    std::string_view xml);
Expected<std::string, std::string> parse_create_topic_response(std::string_view xml);
Expected<TopicAttributes, std::string> parse_topic_attributes_response(std::string_view xml);

}  // namespace upgate::s3client
