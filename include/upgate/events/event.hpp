// upgate::events::Event: what the app hears about an object after its upload.
//
// Three types, named as Standard Webhooks recommends (full-stop delimited):
//   upload.completed  an object arrived and passed verification (size, type, checksum, bytes)
//   upload.rejected   an object arrived and failed it (the API quarantined or deleted it)
//   object.deleted    an object was removed
//
// Identity. Every event has a dedup key and an id derived from it, so the same fact
// reported twice (the completion call and the storage's own notification, or one storage
// notification delivered twice) becomes one event:
//   - upload.completed and upload.rejected share one key per object version, made of
//     "upload", the bucket, the key and the version (each field written as
//     "<size>:<bytes>", so no two triples collide) where version is the S3 version id when
//     the bucket is versioned, else the ETag (quotes stripped, lower-case). An object
//     version has one outcome, whichever path reports it first.
//   - object.deleted: "deleted", bucket, key and a marker: the deleted version id, else
//     the storage's sequencer; with neither (nothing tells two deletes of the same key
//     apart) the caller supplies a random marker, so no two collapse.
// The id is "evt_" + 32 lower-case hex digits (the first 128 bits of SHA-256 of the dedup
// key): stable across processes and restarts, free of '.', usable as Standard Webhooks'
// `webhook-id` and as the receiver's idempotency key.
//
// Rendering. render_json() writes the body every endpoint receives, minified, keys in a
// fixed order (the signature covers the exact bytes; receivers must verify the raw body):
//   {"id":"evt_…","type":"upload.completed","timestamp":"2024-05-01T12:00:00.123Z",
//    "data":{"bucket":"uploads","key":"photos/…","versionId":"…","etag":"…","size":48213,
//            "declaredType":"image/png","detectedType":"image/png",
//            "checksum":{"algorithm":"sha256","value":"<base64>","verified":true},
//            "profile":"photos","principal":{"id":"user-42","claims":{"org":"acme"}},
//            "metadata":{"album":"cats"},"source":"completion","reason":null}}
// Absent optional fields are rendered as null (never omitted), so every event of a type
// has one schema. `reason` is set on upload.rejected only (a stable code such as
// "content_mismatch", see completion_verdict.hpp). Strings are escaped by Boost.JSON, so
// hostile keys and metadata cannot break the document.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace upgate::events {

enum class EventType : std::uint8_t { kUploadCompleted, kUploadRejected, kObjectDeleted };

// "upload.completed", "upload.rejected", "object.deleted".
std::string_view to_string(EventType type);
// The inverse; nullopt for any other text (exact, case-sensitive).
std::optional<EventType> parse_event_type(std::string_view text);

// Who told upgate: the completion call (verified by upgate) or the storage's notification
// (the embedded store, Ceph RGW's push, S3 through SNS).
enum class EventSource : std::uint8_t { kCompletion, kStorage };
std::string_view to_string(EventSource source);  // "completion", "storage"

struct Checksum {
  std::string algorithm;  // lower-case: "sha256", "crc32c", ...
  std::string value;      // as S3 reports it (base64)
  bool verified = false;  // the storage reported the same value after the upload
};

struct Event {
  EventType type = EventType::kUploadCompleted;
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;
  std::string etag;  // normalized: no quotes, lower-case; empty when unknown
  std::optional<std::uint64_t> size;
  std::string declared_type;  // the Content-Type the upload was signed for; empty: unknown
  std::string detected_type;  // what libmagic saw; empty when not checked
  std::optional<Checksum> checksum;
  std::string profile;         // the upload profile's name; empty when unknown
  std::string principal_id;    // empty when unknown (a storage event for an unknown upload)
  boost::json::object claims;  // the claims the profile chose to pass on
  std::vector<std::pair<std::string, std::string>> metadata;  // x-amz-meta-*, name lower-case
  EventSource source = EventSource::kCompletion;
  std::string reason;                          // upload.rejected: a stable code; else empty
  std::chrono::system_clock::time_point time;  // when it happened (not when delivered)
  // object.deleted without a version id: the storage's sequencer, else a random marker
  // (see the file comment). Ignored for the upload types.
  std::string delete_marker;
};

// ETag as the dedup key and the JSON carry it: surrounding quotes removed, lower-case.
std::string normalize_etag(std::string_view etag);

// The dedup key and id described in the file comment. dedup_key() is empty when the event
// lacks what identifies it (no bucket or key; an upload without version id and ETag; a
// delete without version id and marker): such an event cannot be deduplicated and is
// refused by the outbox.
std::string dedup_key(const Event& event);
std::string event_id_for(std::string_view dedup_key);

// The ordering key: events with the same one reach an endpoint in the order they were
// queued. One per (bucket, key): a later event for an object waits for an earlier one.
std::string ordering_key(const Event& event);
std::string ordering_key(std::string_view bucket, std::string_view key);

// "<size>:<bytes>" appended to `out`: a field of a composite key (dedup_key, ordering_key
// and the keys of OutboxRecord rows), so no two tuples of fields make the same key.
void append_key_field(std::string& out, std::string_view field);

// The webhook body described in the file comment, with `id` = event_id_for(dedup_key(e)).
std::string render_json(const Event& event);

// The inverse of render_json: the Event a body was rendered from (the time to the
// millisecond; delete_marker, which the body does not carry, empty). nullopt for a text
// that is not such a body. Used where an event waits in the outbox as its body (a storage
// report before its verification).
std::optional<Event> parse_event_json(std::string_view body);

}  // namespace upgate::events
