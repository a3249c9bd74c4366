#include "upgate/events/event.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include <boost/json/parse.hpp>

#include <chrono>

namespace upgate::events {
namespace {

using upgate::testing::results_of;

using namespace std::chrono_literals;

Event completed() {
  Event e;
  e.type = EventType::kUploadCompleted;
  e.bucket = "uploads";
  e.key = "photos/2024/05/01/abc-cat.png";
  e.etag = "\"D41D8CD98F00B204E9800998ECF8427E\"";
  e.size = 48213;
  e.declared_type = "image/png";
  e.detected_type = "image/png";
  e.checksum = Checksum{"sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", true};
  e.profile = "photos";
  e.principal_id = "user-42";
  e.claims["org"] = "acme";
  e.claims["roles"] = boost::json::array{"admin", "uploader"};
  e.metadata = {{"album", "cats"}};
  e.source = EventSource::kCompletion;
  e.time = std::chrono::sys_days{std::chrono::May / 1 / 2024} + 12h + 123ms;
  return e;
}

// An event that S3 event records reported about one object.
Event storage_event(EventType type, std::string bucket, std::string key) {
  Event e;
  e.type = type;
  e.source = EventSource::kStorage;
  e.bucket = std::move(bucket);
  e.key = std::move(key);
  return e;
}

TEST(EventType, NamesRoundTrip) {
  for (EventType t :
       {EventType::kUploadCompleted, EventType::kUploadRejected, EventType::kObjectDeleted}) {
    EXPECT_EQ(parse_event_type(to_string(t)), t);
  }
  EXPECT_EQ(to_string(EventType::kUploadCompleted), "upload.completed");
  EXPECT_EQ(to_string(EventType::kUploadRejected), "upload.rejected");
  EXPECT_EQ(to_string(EventType::kObjectDeleted), "object.deleted");
  EXPECT_FALSE(parse_event_type("Upload.Completed"));
  EXPECT_FALSE(parse_event_type("upload.*"));
  EXPECT_FALSE(parse_event_type(""));
}

TEST(Etag, NormalizedWithoutQuotesInLowerCase) {
  results_of(normalize_etag)
      .expect({
          {"\"ABCdef-3\"", "abcdef-3"},
          {"abc", "abc"},
          {" W/\"Abc\" ", "abc"},
          {"\"", "\""},
          {"", ""},
      });
}

TEST(DedupKey, CompletionAndStorageEventOfOneObjectVersionCollapse) {
  Event from_completion = completed();
  Event from_storage =
      storage_event(EventType::kUploadCompleted, "uploads", "photos/2024/05/01/abc-cat.png");
  from_storage.etag = "d41d8cd98f00b204e9800998ecf8427e";  // S3 event records: no quotes
  EXPECT_EQ(dedup_key(from_completion), dedup_key(from_storage));
  EXPECT_EQ(event_id_for(dedup_key(from_completion)), event_id_for(dedup_key(from_storage)));
}

TEST(DedupKey, OneOutcomePerVersionWhetherCompletedOrRejected) {
  Event rejected = completed();
  rejected.type = EventType::kUploadRejected;
  rejected.reason = "content_mismatch";
  EXPECT_EQ(dedup_key(rejected), dedup_key(completed()));
}

TEST(DedupKey, VersionIdWinsOverEtag) {
  Event a = completed();
  Event b = completed();
  a.version_id = "v1";
  b.version_id = "v2";
  EXPECT_NE(dedup_key(a), dedup_key(b));
  b.version_id = "v1";
  b.etag = "other";
  EXPECT_EQ(dedup_key(a), dedup_key(b));
}

TEST(DedupKey, DifferentObjectsOrBucketsDiffer) {
  Event a = completed();
  Event b = completed();
  b.key += "x";
  EXPECT_NE(dedup_key(a), dedup_key(b));
  b = completed();
  b.bucket = "other";
  EXPECT_NE(dedup_key(a), dedup_key(b));
  // Whatever bytes the fields hold, two different (bucket, key) pairs never collide.
  Event c = completed();
  c.bucket = "a";
  c.key = "b\nc";
  Event d = completed();
  d.bucket = "a\nb";
  d.key = "c";
  EXPECT_NE(dedup_key(c), dedup_key(d));
}

TEST(DedupKey, DeletesAreIdentifiedByVersionOrMarker) {
  Event deleted;
  deleted.type = EventType::kObjectDeleted;
  deleted.bucket = "uploads";
  deleted.key = "a.txt";
  EXPECT_EQ(dedup_key(deleted), "");  // nothing tells two deletes apart
  deleted.delete_marker = "0055AED6DCD90281E5";
  const std::string by_sequencer = dedup_key(deleted);
  EXPECT_NE(by_sequencer, "");
  deleted.version_id = "v9";
  EXPECT_NE(dedup_key(deleted), by_sequencer);
  Event upload = completed();
  upload.key = "a.txt";
  upload.etag = "0055AED6DCD90281E5";
  EXPECT_NE(dedup_key(upload), by_sequencer);  // a delete never collapses with an upload
}

TEST(DedupKey, EmptyWithoutBucketKeyOrVersion) {
  Event e = completed();
  e.etag.clear();
  EXPECT_EQ(dedup_key(e), "");
  e = completed();
  e.key.clear();
  EXPECT_EQ(dedup_key(e), "");
}

TEST(EventId, StableHexWithoutDots) {
  const std::string id = event_id_for("upload\nuploads\na.png\nabc");
  EXPECT_EQ(id, event_id_for("upload\nuploads\na.png\nabc"));
  ASSERT_EQ(id.size(), 4u + 32u);
  EXPECT_TRUE(id.starts_with("evt_"));
  EXPECT_EQ(id.find('.'), std::string::npos);
  for (char c : id.substr(4)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  // The first 16 bytes of SHA-256("upload\nuploads\na.png\nabc"), as sha256sum prints them.
  EXPECT_EQ(id, "evt_8ab759279b4e60f29b0c2dcb99fc1b4b");
}

TEST(RenderJson, FixedSchemaAndOrder) {
  const std::string body = render_json(completed());
  const std::string id = event_id_for(dedup_key(completed()));
  EXPECT_EQ(body,
            "{\"id\":\"" + id +
                "\",\"type\":\"upload.completed\",\"timestamp\":\"2024-05-01T12:00:00.123Z\","
                "\"data\":{\"bucket\":\"uploads\",\"key\":\"photos/2024/05/01/abc-cat.png\","
                "\"versionId\":null,\"etag\":\"d41d8cd98f00b204e9800998ecf8427e\",\"size\":48213,"
                "\"declaredType\":\"image/png\",\"detectedType\":\"image/png\","
                "\"checksum\":{\"algorithm\":\"sha256\",\"value\":"
                "\"n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=\",\"verified\":true},"
                "\"profile\":\"photos\",\"principal\":{\"id\":\"user-42\",\"claims\":{\"org\":"
                "\"acme\",\"roles\":[\"admin\",\"uploader\"]}},\"metadata\":{\"album\":\"cats\"},"
                "\"source\":\"completion\",\"reason\":null}}");
}

TEST(RenderJson, AbsentFieldsAreNull) {
  Event e = storage_event(EventType::kObjectDeleted, "b", "k");
  e.delete_marker = "m";
  const auto doc = boost::json::parse(render_json(e)).as_object();
  const auto& data = doc.at("data").as_object();
  EXPECT_EQ(doc.at("type").as_string(), "object.deleted");
  for (const char* field : {"versionId", "etag", "size", "declaredType", "detectedType", "checksum",
                            "profile", "principal", "reason"}) {
    EXPECT_TRUE(data.at(field).is_null()) << field;
  }
  EXPECT_TRUE(data.at("metadata").as_object().empty());
  EXPECT_EQ(data.at("source").as_string(), "storage");
}

TEST(RenderJson, HostileStringsStayInsideTheirFields) {
  Event e = completed();
  e.key = "a\"},\"type\":\"upload.rejected\n\x01</script>";
  e.metadata = {{"x\"y", "caf\xe9"}};  // Latin-1 byte: not UTF-8
  const std::string body = render_json(e);
  const auto doc = boost::json::parse(body).as_object();  // valid JSON
  EXPECT_EQ(doc.at("type").as_string(), "upload.completed");
  EXPECT_EQ(doc.at("data").at("key").as_string(), e.key);
  EXPECT_EQ(doc.at("data").at("metadata").at("x\"y").as_string(), "caf\xef\xbf\xbd");
}

TEST(OrderingKey, PerObject) {
  Event a = completed();
  Event b = completed();
  b.type = EventType::kObjectDeleted;
  EXPECT_EQ(ordering_key(a), ordering_key(b));
  b.key = "other";
  EXPECT_NE(ordering_key(a), ordering_key(b));
}

}  // namespace
}  // namespace upgate::events

namespace upgate::events {
namespace {

TEST(ParseEventJson, IsTheInverseOfRenderJson) {
  Event e = completed();
  e.version_id = "v1";
  e.reason = "content_mismatch";
  e.metadata = {{"album", "cats"}, {"z-first", "1"}, {"a-second", "caf\xc3\xa9"}};
  auto parsed = parse_event_json(render_json(e));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(render_json(*parsed), render_json(e));
  EXPECT_EQ(dedup_key(*parsed), dedup_key(e));
  EXPECT_EQ(parsed->time, e.time);
  EXPECT_EQ(parsed->metadata, e.metadata);  // in their order
  EXPECT_EQ(parsed->source, EventSource::kCompletion);
}

TEST(ParseEventJson, AMinimalStorageEventComesBackWithItsNulls) {
  Event e = storage_event(EventType::kUploadCompleted, "uploads", "docs/a b.pdf");
  e.etag = "abc";
  e.time = std::chrono::sys_days{std::chrono::December / 7 / 2026} + 16h + 1ms;
  auto parsed = parse_event_json(render_json(e));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(render_json(*parsed), render_json(e));
  EXPECT_FALSE(parsed->size);
  EXPECT_FALSE(parsed->checksum);
  EXPECT_FALSE(parsed->version_id);
  EXPECT_TRUE(parsed->principal_id.empty());
}

TEST(ParseEventJson, RefusesWhatIsNoEventBody) {
  for (
      std::string_view text :
      {"", "[]", "{}", R"({"type":"upload.completed"})",
       R"({"type":"nope","timestamp":"2024-05-01T12:00:00.000Z","data":{}})",
       R"({"type":"upload.completed","timestamp":"yesterday","data":{}})",
       R"({"type":"upload.completed","timestamp":"2024-05-01T12:00:00.000Z","data":{"key":1}})",
       R"({"type":"upload.completed","timestamp":"2024-05-01T12:00:00.000Z","data":{"size":-1}})"}) {
    EXPECT_FALSE(parse_event_json(text)) << text;
  }
}

}  // namespace
}  // namespace upgate::events
