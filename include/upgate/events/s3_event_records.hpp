// S3 event notification records: the `{"Records":[...]}` JSON that AWS S3 (directly, or as
// the Message of an SNS notification), Ceph RGW's HTTP push endpoint and MinIO's webhook
// target send when objects are created or removed.
//
// What is read from each record: eventSource, awsRegion, eventTime, eventName,
// s3.bucket.name, s3.object.key, .size, .eTag, .versionId, .sequencer. Everything else is
// ignored. eventName may carry MinIO's "s3:" prefix; it is reported without it.
//   ObjectCreated:*                                   -> StorageChange::kCreated
//   ObjectRemoved:*, LifecycleExpiration:*,
//   ObjectLifecycle:Expiration:* (RGW 17+)            -> StorageChange::kRemoved
//   anything else (ObjectTagging:*, ObjectRestore:*, Replication:*, ...) is counted in
//   `ignored` and otherwise skipped.
// AWS's configuration probe `{"Service":"Amazon S3","Event":"s3:TestEvent",...}` parses to
// an empty batch with test_event set.
//
// Keys. AWS S3 and MinIO send the key form-URL-encoded ("red flower.jpg" arrives as
// "red+flower.jpg", "/" may arrive as "%2F"); Ceph RGW sends it as it is (its push
// endpoint copies the object name into the JSON unchanged). KeyEncoding::kBySource
// (the default) decodes unless eventSource is "ceph:s3"; the other two force one rule for
// every record. A decoded key must be 1..1024 bytes of valid UTF-8.
//
// Hostile input: the body is refused above max_body_bytes before parsing, the JSON depth
// is capped, more than max_records records refuse the batch, every field must have the
// expected JSON type, and a record that lacks a bucket name or key, or whose key does not
// decode, refuses the whole batch with the record's index in the message (a sender that
// produces one bad record is not trusted for the others). The message never quotes more
// than a bounded, printable piece of the input.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/events/event.hpp"
#include "upgate/expected.hpp"

namespace upgate::events {

enum class StorageChange : std::uint8_t { kCreated, kRemoved };

struct StorageEvent {
  StorageChange change = StorageChange::kCreated;
  std::string event_name;    // "ObjectCreated:Put" (no "s3:" prefix)
  std::string event_source;  // "aws:s3", "ceph:s3", "minio:s3", or "" when absent
  std::string region;
  std::string bucket;
  std::string key;  // decoded
  std::optional<std::uint64_t> size;
  std::string etag;                       // normalize_etag()'d; empty when absent
  std::optional<std::string> version_id;  // absent or "" in the record: nullopt
  std::string sequencer;
  std::optional<std::chrono::system_clock::time_point> event_time;
};

struct S3EventBatch {
  std::vector<StorageEvent> events;
  bool test_event = false;  // AWS's s3:TestEvent
  std::size_t ignored = 0;  // records of event types upgate does not act on
};

enum class KeyEncoding : std::uint8_t { kBySource, kFormUrlEncoded, kRaw };

struct S3EventParseOptions {
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_records = 1000;
  KeyEncoding key_encoding = KeyEncoding::kBySource;
};

Expected<S3EventBatch, std::string> parse_s3_event_records(std::string_view body,
                                                           const S3EventParseOptions& options = {});

// The event a storage notification stands for, before any verification: kCreated becomes
// upload.completed (the caller verifies the object and turns it into upload.rejected when
// it fails), kRemoved object.deleted. Bucket, key, version id, ETag, size and time come from
// the record (time: the record's eventTime, else `received`), source is kStorage, and the
// delete marker is the sequencer, else `fallback_marker` (a random value the caller
// supplies, so deletes that nothing tells apart are never merged).
Event to_event(const StorageEvent& record, std::chrono::system_clock::time_point received,
               std::string_view fallback_marker);

// "2024-05-01T12:00:00Z" with an optional fraction of 1..9 digits ("…:00.123Z",
// "…:00.123456Z" as RGW writes it). nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_event_time(std::string_view text);

}  // namespace upgate::events
