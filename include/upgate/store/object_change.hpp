// ObjectChange: what the embedded store tells its listener after an object was created or
// removed, the store's side of S3 event notifications (ObjectCreated:*, ObjectRemoved:*).
//
// Promises:
// - The listener is called only after the metadata transaction that made the change has
//   committed, never before and never for a write that failed or was refused (a failed
//   precondition, a missing bucket): a reader that sees the change can always find the
//   object (until a later change).
// - It is called on the thread that made the change (a store worker thread), once per
//   change, in commit order for one key. It may block briefly (the embedded `upgate serve`
//   appends to its durable outbox there, so the S3 answer follows the event's commit);
//   it must not call back into the store's writes.
// - A delete of a key that does not exist changes nothing and is not reported; each key a
//   DeleteObjects request removed is one change.
// - `sequencer` orders changes of one key as S3's does: 16 lower-case hex digits of the
//   store's generation counter, so a later change compares greater as a string.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace upgate::store {

struct ObjectChange {
  enum class Kind : std::uint8_t { kCreated, kRemoved };
  Kind kind = Kind::kCreated;
  // S3's event name without the "s3:" prefix: ObjectCreated:Put, ObjectCreated:Copy,
  // ObjectCreated:CompleteMultipartUpload, ObjectRemoved:Delete, LifecycleExpiration:Delete
  // (an object a bucket lifecycle rule expired).
  std::string event_name;
  std::string bucket;
  std::string key;
  std::uint64_t size = 0;    // kCreated only
  std::string etag;          // kCreated: hex, no quotes ("…-N" for multipart); else empty
  std::string content_type;  // kCreated: as stored; empty when none
  std::vector<std::pair<std::string, std::string>> user_metadata;  // kCreated: x-amz-meta-*
  std::string sequencer;
  std::chrono::system_clock::time_point time;
};

using ObjectChangeListener = std::function<void(const ObjectChange&)>;

// 16 lower-case hex digits of `generation`, zero-padded.
std::string change_sequencer(std::int64_t generation);

}  // namespace upgate::store
