#include "upgate/events/s3_event_records.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace upgate::events {
namespace {

using namespace std::chrono_literals;

// The shape AWS documents for S3 event notifications (event structure 2.1).
constexpr std::string_view kAws = R"({"Records":[{
  "eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",
  "eventTime":"2024-05-01T12:00:00.123Z","eventName":"ObjectCreated:Put",
  "userIdentity":{"principalId":"AWS:AIDAJDPLRKLG7UEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"127.0.0.1"},
  "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigRule",
    "bucket":{"name":"uploads","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::uploads"},
    "object":{"key":"photos/red+flower%2B1%C3%A9.jpg","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e",
              "versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko","sequencer":"0055AED6DCD90281E5"}}},
 {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",
  "eventTime":"2024-05-01T12:00:01.000Z","eventName":"ObjectRemoved:Delete",
  "s3":{"s3SchemaVersion":"1.0","bucket":{"name":"uploads"},
    "object":{"key":"photos/old.jpg","sequencer":"0055AED6DCD90281E6"}}}]})";

// What Ceph RGW's HTTP push endpoint posts (rgw_pubsub_s3_event::dump): the key unencoded,
// empty versionId for an unversioned bucket, eventId and opaqueData besides.
constexpr std::string_view kRgw = R"({"Records":[{"eventVersion":"2.2","eventSource":"ceph:s3",
  "awsRegion":"default","eventTime":"2024-05-01T12:00:00.123456Z","eventName":"ObjectCreated:Put",
  "userIdentity":{"principalId":"tester"},"requestParameters":{"sourceIPAddress":""},
  "responseElements":{"x-amz-request-id":"a1","x-amz-id-2":"b2"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"upgate",
    "bucket":{"name":"uploads","ownerIdentity":{"principalId":"tester"},"arn":"arn:aws:s3:default::uploads","id":"x.1"},
    "object":{"key":"docs/a+b %2F.txt","size":5,"eTag":"5d41402abc4b2a76b9719d911017c592","versionId":"",
              "sequencer":"E6B13266F4A6A719","metadata":[],"tags":[]}},
  "eventId":"1714564800.123456.5d41402abc4b2a76b9719d911017c592","opaqueData":""}]})";

// MinIO's webhook target: "s3:" prefix on eventName, '/' escaped in keys.
constexpr std::string_view kMinio =
    R"({"EventName":"s3:ObjectCreated:Put","Key":"uploads/users/ABC",
  "Records":[{"eventVersion":"2.0","eventSource":"minio:s3","awsRegion":"","eventTime":"2024-05-01T12:00:00.000Z",
  "eventName":"s3:ObjectCreated:Put","userIdentity":{"principalId":"minio"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"Config","bucket":{"name":"uploads"},
    "object":{"key":"users%2FABC","size":132,"eTag":"\"abc\"","contentType":"image/png","sequencer":"17A"}}}]})";

TEST(S3EventRecords, AwsCreatedAndRemoved) {
  auto batch = parse_s3_event_records(kAws);
  ASSERT_TRUE(batch) << batch.error();
  ASSERT_EQ(batch->events.size(), 2u);
  const StorageEvent& created = batch->events[0];
  EXPECT_EQ(created.change, StorageChange::kCreated);
  EXPECT_EQ(created.event_name, "ObjectCreated:Put");
  EXPECT_EQ(created.event_source, "aws:s3");
  EXPECT_EQ(created.region, "us-west-2");
  EXPECT_EQ(created.bucket, "uploads");
  EXPECT_EQ(created.key, "photos/red flower+1\xc3\xa9.jpg");
  EXPECT_EQ(created.size, 1024u);
  EXPECT_EQ(created.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(created.version_id, "096fKKXTRTtl3on89fVO.nfljtsv6qko");
  EXPECT_EQ(created.sequencer, "0055AED6DCD90281E5");
  ASSERT_TRUE(created.event_time);
  EXPECT_EQ(*created.event_time, std::chrono::sys_days{std::chrono::May / 1 / 2024} + 12h + 123ms);
  const StorageEvent& removed = batch->events[1];
  EXPECT_EQ(removed.change, StorageChange::kRemoved);
  EXPECT_EQ(removed.key, "photos/old.jpg");
  EXPECT_FALSE(removed.size);
  EXPECT_EQ(removed.etag, "");
  EXPECT_FALSE(removed.version_id);
  EXPECT_FALSE(batch->test_event);
}

TEST(S3EventRecords, RgwKeysArrivePlain) {
  auto batch = parse_s3_event_records(kRgw);
  ASSERT_TRUE(batch) << batch.error();
  ASSERT_EQ(batch->events.size(), 1u);
  const StorageEvent& e = batch->events[0];
  EXPECT_EQ(e.key, "docs/a+b %2F.txt");
  EXPECT_FALSE(e.version_id);  // "" means unversioned
  EXPECT_EQ(e.size, 5u);
  ASSERT_TRUE(e.event_time);
  EXPECT_EQ(*e.event_time, std::chrono::sys_days{std::chrono::May / 1 / 2024} + 12h + 123456us);
  // Forcing a rule overrides the source.
  S3EventParseOptions decode;
  decode.key_encoding = KeyEncoding::kFormUrlEncoded;
  EXPECT_EQ(parse_s3_event_records(kRgw, decode)->events[0].key, "docs/a b /.txt");
}

TEST(S3EventRecords, MinioPrefixAndEscapedSlash) {
  auto batch = parse_s3_event_records(kMinio);
  ASSERT_TRUE(batch) << batch.error();
  ASSERT_EQ(batch->events.size(), 1u);
  EXPECT_EQ(batch->events[0].event_name, "ObjectCreated:Put");
  EXPECT_EQ(batch->events[0].key, "users/ABC");
  EXPECT_EQ(batch->events[0].etag, "abc");
  S3EventParseOptions raw;
  raw.key_encoding = KeyEncoding::kRaw;
  EXPECT_EQ(parse_s3_event_records(kMinio, raw)->events[0].key, "users%2FABC");
}

TEST(S3EventRecords, TestEventAndOtherEventTypes) {
  auto test = parse_s3_event_records(
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-05-01T12:00:00.000Z",)"
      R"("Bucket":"uploads","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"})");
  ASSERT_TRUE(test);
  EXPECT_TRUE(test->test_event);
  EXPECT_TRUE(test->events.empty());

  auto mixed = parse_s3_event_records(
      R"({"Records":[{"eventName":"ObjectTagging:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}},)"
      R"({"eventName":"ObjectRestore:Completed","s3":{}},)"
      R"({"eventName":"LifecycleExpiration:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}},)"
      R"({"eventName":"ObjectLifecycle:Expiration:Current","eventSource":"ceph:s3","s3":{"bucket":{"name":"b"},"object":{"key":"k+1"}}},)"
      R"({"eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"b"},"object":{"key":"m","size":0,"eTag":"abc-3"}}}]})");
  ASSERT_TRUE(mixed) << mixed.error();
  EXPECT_EQ(mixed->ignored, 2u);
  ASSERT_EQ(mixed->events.size(), 3u);
  EXPECT_EQ(mixed->events[0].change, StorageChange::kRemoved);
  EXPECT_EQ(mixed->events[1].change, StorageChange::kRemoved);
  EXPECT_EQ(mixed->events[1].key, "k+1");
  EXPECT_EQ(mixed->events[2].etag, "abc-3");
  EXPECT_EQ(mixed->events[2].size, 0u);
}

TEST(S3EventRecords, HostileInputRefusedWithAReason) {
  struct Case {
    std::string body;
    std::string_view says;
  };
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const Case cases[] = {
      {"", "not JSON"},
      {"{\"Records\":[", "not JSON"},
      {"[]", "not an object"},
      {"{}", "no Records"},
      {"{\"Records\":{}}", "no Records"},
      {"{\"Records\":[" + deep + "]}", "not JSON"},
      {R"({"Records":[1]})", "record 0 is not an object"},
      {R"({"Records":[{"s3":{}}]})", "record 0 has no eventName"},
      {R"({"Records":[{"eventName":7}]})", "record 0 eventName is not a string"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put"}]})", "has no s3 object"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"k"}}}]})",
       "no s3.bucket"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":""},"object":{"key":"k"}}}]})",
       "no usable s3.bucket.name"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{}}}]})",
       "no s3.object.key"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%zz"}}}]})",
       "malformed %-escape"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%FF%FE"}}}]})",
       "UTF-8"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k","size":-1}}}]})",
       "size is not a non-negative integer"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k","size":"1"}}}]})",
       "size is not"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","eventTime":"yesterday","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})",
       "eventTime"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k","eTag":[]}}}]})",
       "eTag is not a string"},
  };
  for (const Case& c : cases) {
    auto batch = parse_s3_event_records(c.body);
    ASSERT_FALSE(batch) << c.body;
    EXPECT_NE(batch.error().find(c.says), std::string::npos) << c.body << " -> " << batch.error();
  }
}

TEST(S3EventRecords, LimitsOnSizeRecordsAndKeys) {
  S3EventParseOptions small;
  small.max_body_bytes = 100;
  auto too_big = parse_s3_event_records(kAws, small);
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().find("larger than 100 bytes"), std::string::npos);

  S3EventParseOptions one;
  one.max_records = 1;
  auto too_many = parse_s3_event_records(kAws, one);
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().find("more than 1 records"), std::string::npos);

  const std::string long_key = std::string(1025, 'k');
  auto key = parse_s3_event_records(
      R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":")" +
      long_key + "\"}}}]}");
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().find("1 to 1024 bytes"), std::string::npos);
  // The message quotes no input: a hostile field cannot inject into a log line.
  auto hostile = parse_s3_event_records(
      R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b\n\u0001"},"object":{"key":"k","eTag":5}}}]})");
  ASSERT_FALSE(hostile);
  EXPECT_EQ(hostile.error().find('\n'), std::string::npos);
}

TEST(S3EventRecords, ToEvent) {
  auto batch = parse_s3_event_records(kAws);
  ASSERT_TRUE(batch);
  const auto received = std::chrono::sys_days{std::chrono::June / 1 / 2024} + 0s;
  const Event created = to_event(batch->events[0], received, "random-1");
  EXPECT_EQ(created.type, EventType::kUploadCompleted);
  EXPECT_EQ(created.source, EventSource::kStorage);
  EXPECT_EQ(created.bucket, "uploads");
  EXPECT_EQ(created.key, "photos/red flower+1\xc3\xa9.jpg");
  EXPECT_EQ(created.version_id, "096fKKXTRTtl3on89fVO.nfljtsv6qko");
  EXPECT_EQ(created.size, 1024u);
  EXPECT_EQ(created.time, *batch->events[0].event_time);
  EXPECT_EQ(created.delete_marker, "");
  const Event removed = to_event(batch->events[1], received, "random-1");
  EXPECT_EQ(removed.type, EventType::kObjectDeleted);
  EXPECT_EQ(removed.delete_marker, "0055AED6DCD90281E6");
  EXPECT_NE(dedup_key(removed), "");
  StorageEvent bare = batch->events[1];
  bare.sequencer.clear();
  bare.event_time.reset();
  const Event fallback = to_event(bare, received, "random-1");
  EXPECT_EQ(fallback.delete_marker, "random-1");
  EXPECT_EQ(fallback.time, received);
  // The completion call and the storage's record of one object version are one event.
  Event completion = created;
  completion.source = EventSource::kCompletion;
  completion.etag = "\"D41D8CD98F00B204E9800998ECF8427E\"";
  EXPECT_EQ(dedup_key(completion), dedup_key(created));
}

TEST(EventTime, Forms) {
  using std::chrono::sys_days;
  const auto base = sys_days{std::chrono::January / 2 / 2030} + 3h + 4min + 5s;
  EXPECT_EQ(parse_event_time("2030-01-02T03:04:05Z"), base);
  EXPECT_EQ(parse_event_time("2030-01-02T03:04:05.5Z"), base + 500ms);
  EXPECT_EQ(parse_event_time("2030-01-02T03:04:05.000001Z"), base + 1us);
  for (const char* bad : {"2030-01-02T03:04:05", "2030-01-02 03:04:05Z", "2030-01-02T03:04:05.Z",
                          "2030-01-02T03:04:05.1234567890Z", "2030-13-02T03:04:05Z",
                          "2030-01-02T03:04:05.12aZ", ""}) {
    EXPECT_FALSE(parse_event_time(bad)) << bad;
  }
}

// Found by fuzz/storage_events.cpp: a year outside system_clock's range (about 1678..2262)
// overflowed the conversion to nanoseconds (UBSan: signed integer overflow). Refused now.
TEST(EventTime, OutsideTheClocksRangeIsRefused) {
  for (const char* far : {"1012-05-01T12:00:00.000Z", "1677-01-01T00:00:00Z",
                          "2263-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"}) {
    EXPECT_FALSE(parse_event_time(far)) << far;
  }
  EXPECT_TRUE(parse_event_time("1700-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_event_time("2261-12-31T23:59:59.999Z"));
  auto record_at = [](std::string_view time) {
    return parse_s3_event_records(
        R"({"Records":[{"eventName":"ObjectCreated:Put","eventTime":")" + std::string(time) +
        R"(","s3":{"bucket":{"name":"uploads"},"object":{"key":"a","size":1}}}]})");
  };
  EXPECT_TRUE(record_at("2024-05-01T12:00:00.000Z"));
  EXPECT_FALSE(record_at("1012-05-01T12:00:00.000Z"));
}

}  // namespace
}  // namespace upgate::events
