// POST /v1/events/s3's decisions: the secret (header or path, constant-time), RGW-style
// records, SNS verified with the test CA fixtures (tests/data/events/sns), confirmations.
#include "upgate/events/storage_events_ingest.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "support/sns_fixtures.hpp"

namespace upgate::events {
namespace {

using testing::kSnsNow;
using testing::sns_message_text;
constexpr std::string_view kRouteSecret = "events-route-secret-0123456789";

constexpr std::string_view kRgwRecords =
    R"({"Records":[{"eventVersion":"2.2","eventSource":"ceph:s3",
 "awsRegion":"default","eventTime":"2030-05-31T12:00:00.000000Z","eventName":"ObjectCreated:Put",
 "s3":{"bucket":{"name":"uploads"},"object":{"key":"a b.png","size":12,"eTag":"abc","sequencer":"0A"}}},
 {"eventVersion":"2.2","eventSource":"ceph:s3","awsRegion":"default",
 "eventTime":"2030-05-31T12:00:01Z","eventName":"ObjectRemoved:Delete",
 "s3":{"bucket":{"name":"uploads"},"object":{"key":"old.png"}}}]})";

class StorageEventsIngestTest : public ::testing::Test {
 protected:
  StorageEventsIngest make(bool with_sns = true) {
    StorageEventsIngestOptions options;
    options.secrets = {"old-secret-0123456789", std::string(kRouteSecret)};
    if (with_sns) {
      options.sns = testing::make_sns_verifier(testing::SnsFixtureHost{});
      options.confirm = [this](const std::string& url) -> Expected<void, std::string> {
        confirmed.push_back(url);
        return {};
      };
    }
    auto ingest = StorageEventsIngest::create(std::move(options));
    EXPECT_TRUE(ingest) << (ingest ? "" : ingest.error());
    return std::move(*ingest);
  }
  IngestAnswer post(const StorageEventsIngest& ingest, std::string_view body,
                    std::optional<std::string_view> header = kRouteSecret) {
    IngestRequest request;
    request.secret_header = header;
    request.body = body;
    return ingest.handle(request, kSnsNow);
  }
  std::vector<std::string> confirmed;
};

TEST_F(StorageEventsIngestTest, RgwRecordsWithTheSecretInAHeaderOrThePathBecomeEvents) {
  auto ingest = make(false);
  auto a = post(ingest, kRgwRecords);
  ASSERT_EQ(a.status, 200) << a.message;
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(a.events[0].type, EventType::kUploadCompleted);
  EXPECT_EQ(a.events[0].key, "a b.png");  // RGW sends keys as they are
  EXPECT_EQ(a.events[0].source, EventSource::kStorage);
  EXPECT_EQ(a.events[1].type, EventType::kObjectDeleted);
  EXPECT_FALSE(a.events[1].delete_marker.empty());  // no sequencer: a random marker

  IngestRequest by_path;
  by_path.path_secret = "old-secret-0123456789";  // the previous secret, during a rotation
  by_path.body = kRgwRecords;
  EXPECT_EQ(ingest.handle(by_path, kSnsNow).status, 200);
}

TEST_F(StorageEventsIngestTest, AMissingOrWrongSecretIs401WithoutLookingAtTheBody) {
  auto ingest = make(false);
  EXPECT_EQ(post(ingest, kRgwRecords, std::nullopt).status, 401);
  EXPECT_EQ(post(ingest, kRgwRecords, "").status, 401);
  EXPECT_EQ(post(ingest, "not json", "events-route-secret-012345678X").status, 401);
  auto a = post(ingest, kRgwRecords, std::string(kRouteSecret) + "x");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.message.find(kRouteSecret), std::string::npos);
  EXPECT_TRUE(a.events.empty());
  EXPECT_FALSE(StorageEventsIngest::create({}));
  StorageEventsIngestOptions too_short;
  too_short.secrets = {"short"};
  EXPECT_FALSE(StorageEventsIngest::create(std::move(too_short)));
}

TEST_F(StorageEventsIngestTest, TheSecretAloneIsCheckedBeforeAnyBody) {
  auto ingest = make(false);
  IngestRequest headers_only;  // what the route knows before it reads the body
  EXPECT_EQ(ingest.refuse_unauthenticated(headers_only)->status, 401);
  const std::string wrong = std::string(kRouteSecret) + "x";
  headers_only.path_secret = wrong;
  const auto refused = ingest.refuse_unauthenticated(headers_only);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->code, "unauthorized");
  headers_only.path_secret = "old-secret-0123456789";
  EXPECT_FALSE(ingest.refuse_unauthenticated(headers_only));
  headers_only.path_secret.reset();
  headers_only.secret_header = kRouteSecret;
  EXPECT_FALSE(ingest.refuse_unauthenticated(headers_only));
}

TEST_F(StorageEventsIngestTest, MalformedRecordsAre400) {
  auto ingest = make(false);
  EXPECT_EQ(post(ingest, "{\"Records\":[{}]}").status, 400);
  EXPECT_EQ(post(ingest, "[").status, 400);
}

TEST_F(StorageEventsIngestTest, AGenuineSnsNotificationCarriesTheS3Records) {
  auto ingest = make();
  auto a = post(ingest, sns_message_text("notification_v2.json"));
  ASSERT_EQ(a.status, 200) << a.code << " " << a.message;
  ASSERT_FALSE(a.events.empty());
  EXPECT_EQ(a.events[0].type, EventType::kUploadCompleted);
}

TEST_F(StorageEventsIngestTest, ForgedExpiredAndWrongHostSnsMessagesAreRefused) {
  auto ingest = make();
  for (const char* name : {"notification_forged.json", "notification_expired.json",
                           "notification_wrong_host.json", "notification_http.json"}) {
    auto a = post(ingest, sns_message_text(name));
    EXPECT_EQ(a.status, 403) << name << ": " << a.message;
    EXPECT_EQ(a.code, "sns_refused") << name;
    EXPECT_TRUE(a.events.empty());
  }
  auto without_sns = make(false);
  EXPECT_EQ(post(without_sns, sns_message_text("notification_v2.json")).code, "sns_disabled");
}

TEST_F(StorageEventsIngestTest, AVerifiedSubscriptionConfirmationIsConfirmedOnce) {
  auto ingest = make();
  auto a = post(ingest, sns_message_text("subscription_confirmation.json"));
  EXPECT_EQ(a.status, 200) << a.message;
  EXPECT_EQ(a.code, "confirmed");
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_TRUE(confirmed[0].starts_with("https://sns.us-east-1.amazonaws.com/")) << confirmed[0];
}

}  // namespace
}  // namespace upgate::events
