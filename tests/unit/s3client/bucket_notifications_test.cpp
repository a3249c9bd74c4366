// The documents of RGW's topic API and of S3's bucket notification configuration, on shapes
// captured from Ceph RGW 16.2 (Debian 12) answering boto3.
#include "upgate/s3client/bucket_notifications.hpp"

#include <gtest/gtest.h>

namespace upgate::s3client {
namespace {

constexpr const char* kCreateTopicAnswer =
    R"(<CreateTopicResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><CreateTopicResult>)"
    R"(<TopicArn>arn:aws:sns:default::upgate-b</TopicArn></CreateTopicResult><ResponseMetadata>)"
    R"(<RequestId>66edb33e-cee9-426a-a93f-58648758c86c.4110.5051599628663570107</RequestId>)"
    R"(</ResponseMetadata></CreateTopicResponse>)";

constexpr const char* kNotificationAnswer =
    R"(<NotificationConfiguration><TopicConfiguration><Id>upgate</Id>)"
    R"(<Topic>arn:aws:sns:default::upgate-b</Topic><Filter><S3Key><FilterRule><Name>prefix</Name>)"
    R"(<Value>photos/</Value></FilterRule></S3Key></Filter><Event>s3:ObjectCreated:*</Event>)"
    R"(<Event>s3:ObjectRemoved:*</Event></TopicConfiguration></NotificationConfiguration>)";

// RGW's EndPoint attribute is a JSON document inside the XML.
constexpr const char* kTopicAttributesAnswer =
    R"(<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes>)"
    R"(<entry><key>User</key><value></value></entry>)"
    R"(<entry><key>Name</key><value>upgate-b</value></entry>)"
    R"(<entry><key>EndPoint</key><value>{&quot;EndpointAddress&quot;:&quot;)"
    R"(http://127.0.0.1:8080/v1/events/s3/sekrit0123456789abcdef&quot;,&quot;EndpointArgs&quot;:)"
    R"(&quot;Version=2010-03-31&amp;persistent=true&quot;,&quot;EndpointTopic&quot;:&quot;upgate-b)"
    R"(&quot;,&quot;HasStoredSecret&quot;:&quot;false&quot;,&quot;Persistent&quot;:&quot;true&quot;})"
    R"(</value></entry><entry><key>TopicArn</key><value>arn:aws:sns:default::upgate-b</value>)"
    R"(</entry><entry><key>OpaqueData</key><value></value></entry></Attributes>)"
    R"(</GetTopicAttributesResult></GetTopicAttributesResponse>)";

TEST(BucketNotifications, TheTopicArnOfCreateTopic) {
  auto arn = parse_create_topic_response(kCreateTopicAnswer);
  ASSERT_TRUE(arn) << arn.error();
  EXPECT_EQ(*arn, "arn:aws:sns:default::upgate-b");
  EXPECT_FALSE(parse_create_topic_response("<CreateTopicResponse/>"));
  EXPECT_FALSE(parse_create_topic_response("<Error><Code>x</Code></Error>"));
  EXPECT_FALSE(parse_create_topic_response("not xml"));
}

TEST(BucketNotifications, TopicAttributesReadTheEndpointInsideTheJson) {
  auto topic = parse_topic_attributes_response(kTopicAttributesAnswer);
  ASSERT_TRUE(topic) << topic.error();
  EXPECT_EQ(topic->arn, "arn:aws:sns:default::upgate-b");
  EXPECT_EQ(topic->push_endpoint, "http://127.0.0.1:8080/v1/events/s3/sekrit0123456789abcdef");
  EXPECT_TRUE(topic->persistent);
}

TEST(BucketNotifications, TheConfigurationRgwAnswersIsReadBack) {
  auto read = parse_notification_configuration_xml(kNotificationAnswer);
  ASSERT_TRUE(read) << read.error();
  ASSERT_EQ(read->size(), 1u);
  const TopicNotification& n = (*read)[0];
  EXPECT_EQ(n.id, "upgate");
  EXPECT_EQ(n.topic_arn, "arn:aws:sns:default::upgate-b");
  EXPECT_EQ(n.events, (std::vector<std::string>{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}));
  EXPECT_EQ(n.prefix, "photos/");
  auto empty = parse_notification_configuration_xml(
      R"(<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>)");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(BucketNotifications, WhatIsWrittenIsReadBackTheSame) {
  TopicNotification n{"upgate", "arn:aws:sns:default::t", {"s3:ObjectCreated:*"}, "a&b/<x>"};
  TopicNotification plain{"other", "arn:aws:sns:default::u", {"s3:ObjectRemoved:*"}, ""};
  const std::string xml = notification_configuration_xml({n, plain});
  EXPECT_EQ(xml.find("<Filter>", xml.find("other")), std::string::npos);  // no prefix, no filter
  auto read = parse_notification_configuration_xml(xml);
  ASSERT_TRUE(read) << read.error();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].prefix, "a&b/<x>");
  EXPECT_EQ((*read)[0].events, n.events);
  EXPECT_EQ((*read)[1].id, "other");
  EXPECT_EQ((*read)[1].prefix, "");
}

TEST(BucketNotifications, HostileDocumentsAreRefused) {
  EXPECT_FALSE(parse_notification_configuration_xml("<Other/>"));
  EXPECT_FALSE(parse_notification_configuration_xml(
      "<NotificationConfiguration><TopicConfiguration><Id>x</Id></TopicConfiguration>"
      "</NotificationConfiguration>"));  // no Topic
  std::string many = "<NotificationConfiguration>";
  for (std::size_t i = 0; i <= kMaxNotifications; ++i) {
    many += "<TopicConfiguration><Topic>arn:x</Topic></TopicConfiguration>";
  }
  EXPECT_FALSE(parse_notification_configuration_xml(many + "</NotificationConfiguration>"));
  EXPECT_FALSE(parse_topic_attributes_response(
      "<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry><key>TopicArn"
      "</key><value>arn:x</value></entry><entry><key>EndPoint</key><value>{not json</value>"
      "</entry></Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>"));
  // A DTD's entities are never expanded.
  EXPECT_FALSE(parse_create_topic_response(
      "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><CreateTopicResponse>"
      "<CreateTopicResult><TopicArn>&e;</TopicArn></CreateTopicResult></CreateTopicResponse>"));
}

}  // namespace
}  // namespace upgate::s3client
