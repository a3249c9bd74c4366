// The embedded store's changes as S3 event records: rendered as AWS does, read back by the
// same parser as RGW's and AWS's, and the same Event as a storage notification would give.
#include "upgate/events/store_notifications.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "support/object_changes.hpp"

namespace upgate::events {
namespace {

store::ObjectChange created(std::string key) {
  store::ObjectChange change;
  change.kind = store::ObjectChange::Kind::kCreated;
  change.event_name = "ObjectCreated:Put";
  change.bucket = "uploads";
  change.key = std::move(key);
  change.size = 48213;
  change.etag = "D41D8CD98F00B204E9800998ECF8427E";
  change.content_type = "image/png";
  change.user_metadata = {{"album", "cats"}};
  change.sequencer = store::change_sequencer(42);
  change.time = std::chrono::sys_days(std::chrono::year(2024) / 5 / 1) + std::chrono::hours(12) +
                std::chrono::milliseconds(123);
  return change;
}

TEST(StoreNotifications, RecordsRoundTripThroughTheS3RecordParserWithAwkwardKeys) {
  std::vector<store::ObjectChange> changes = {created("photos/red flower+1.jpg"),
                                              created("résumé 100%.pdf")};
  store::ObjectChange removed = testing::removed_change("a/b", 7);
  removed.time = changes[0].time;
  changes.push_back(removed);

  const std::string json = render_s3_event_records(changes, "eu-west-1");
  EXPECT_NE(json.find(R"("key":"photos/red+flower%2B1.jpg")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("eventTime":"2024-05-01T12:00:00.123Z")"), std::string::npos) << json;

  auto batch = parse_s3_event_records(json);
  ASSERT_TRUE(batch) << batch.error();
  ASSERT_EQ(batch->events.size(), 3u);
  EXPECT_EQ(batch->events[0].key, "photos/red flower+1.jpg");
  EXPECT_EQ(batch->events[1].key, "résumé 100%.pdf");
  EXPECT_EQ(batch->events[0].size, 48213u);
  EXPECT_EQ(batch->events[0].etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(batch->events[0].region, "eu-west-1");
  EXPECT_EQ(batch->events[0].sequencer, "000000000000002a");
  EXPECT_EQ(batch->events[2].change, StorageChange::kRemoved);
  EXPECT_FALSE(batch->events[2].size.has_value());
}

TEST(StoreNotifications, AStoreChangeIsTheSameEventAsItsRecordOnceParsed) {
  const auto change = created("k.png");
  const Event direct = to_event(change);
  const std::vector<store::ObjectChange> one = {change};
  auto parsed = parse_s3_event_records(render_s3_event_records(one, "us-east-1"));
  ASSERT_TRUE(parsed);
  const Event via_records = to_event(parsed->events[0], {}, "unused");
  EXPECT_EQ(dedup_key(direct), dedup_key(via_records));
  EXPECT_FALSE(dedup_key(direct).empty());
  EXPECT_EQ(direct.type, EventType::kUploadCompleted);
  EXPECT_EQ(direct.source, EventSource::kStorage);
  EXPECT_EQ(direct.declared_type, "image/png");
  EXPECT_EQ(direct.metadata.size(), 1u);
  EXPECT_EQ(direct.time, via_records.time);
}

TEST(StoreNotifications, TwoDeletesOfOneKeyAreTwoEvents) {
  const store::ObjectChange first = testing::removed_change("k", 1);
  const store::ObjectChange second = testing::removed_change("k", 2);
  EXPECT_NE(dedup_key(to_event(first)), dedup_key(to_event(second)));
  EXPECT_EQ(to_event(first).type, EventType::kObjectDeleted);
}

TEST(StoreNotifications, RecordsRenderedOneByOneJoinToTheSameBatch) {
  const std::vector<store::ObjectChange> changes = {created("a.png"), created("b c.png")};
  std::vector<std::string> one_by_one;
  for (const auto& change : changes) one_by_one.push_back(render_s3_event_record(change, "r"));
  EXPECT_EQ(join_s3_event_records(one_by_one), render_s3_event_records(changes, "r"));
  EXPECT_EQ(join_s3_event_records({}), R"({"Records":[]})");
}

}  // namespace
}  // namespace upgate::events
