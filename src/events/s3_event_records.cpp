#include "upgate/events/s3_event_records.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "upgate/events/event.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::events {
namespace {

constexpr std::size_t kMaxKeyBytes = 1024;
constexpr std::size_t kMaxBucketBytes = 255;
constexpr std::size_t kMaxFieldBytes = 1024;  // event name, source, region, etag, ids
constexpr int kMaxDepth = 16;

using Json = boost::json::value;

struct RecordError {
  std::string message;
};

// The string at `name` in `object`: nullopt when absent or null, an error when present
// with another type or longer than `limit`.
Expected<std::optional<std::string>, RecordError> string_field(const boost::json::object& object,
                                                               std::string_view name,
                                                               std::size_t limit) {
  const Json* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) {
    return Unexpected(RecordError{std::string(name) + " is not a string"});
  }
  const auto& s = value->get_string();
  if (s.size() > limit) {
    return Unexpected(
        RecordError{std::string(name) + " is longer than " + std::to_string(limit) + " bytes"});
  }
  return std::optional<std::string>(std::string(s.data(), s.size()));
}

const boost::json::object* object_field(const boost::json::object& object, std::string_view name) {
  const Json* value = object.if_contains(name);
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

std::optional<StorageChange> change_of(std::string_view name) {
  if (name.starts_with("ObjectCreated:")) return StorageChange::kCreated;
  if (name.starts_with("ObjectRemoved:") || name.starts_with("LifecycleExpiration:") ||
      name.starts_with("ObjectLifecycle:Expiration:")) {
    return StorageChange::kRemoved;
  }
  return std::nullopt;
}

// One record; nullopt when its event type is not one upgate acts on.
Expected<std::optional<StorageEvent>, RecordError> parse_record(const Json& json,
                                                                KeyEncoding encoding) {
  if (!json.is_object()) return Unexpected(RecordError{"is not an object"});
  const auto& record = json.get_object();
  auto name = string_field(record, "eventName", kMaxFieldBytes);
  if (!name) return Unexpected(std::move(name).error());
  if (!name->has_value()) return Unexpected(RecordError{"has no eventName"});
  std::string event_name = std::move(**name);
  if (event_name.starts_with("s3:")) event_name.erase(0, 3);
  const auto change = change_of(event_name);
  if (!change) return std::optional<StorageEvent>();

  StorageEvent event;
  event.change = *change;
  event.event_name = std::move(event_name);
  for (auto [field, target] :
       {std::pair{"eventSource", &event.event_source}, std::pair{"awsRegion", &event.region}}) {
    auto value = string_field(record, field, kMaxFieldBytes);
    if (!value) return Unexpected(std::move(value).error());
    if (value->has_value()) *target = std::move(**value);
  }
  auto time = string_field(record, "eventTime", kMaxFieldBytes);
  if (!time) return Unexpected(std::move(time).error());
  if (time->has_value()) {
    event.event_time = parse_event_time(**time);
    if (!event.event_time) return Unexpected(RecordError{"eventTime is not an ISO 8601 time"});
  }

  const boost::json::object* s3 = object_field(record, "s3");
  if (s3 == nullptr) return Unexpected(RecordError{"has no s3 object"});
  const boost::json::object* bucket = object_field(*s3, "bucket");
  const boost::json::object* object = object_field(*s3, "object");
  if (bucket == nullptr) return Unexpected(RecordError{"has no s3.bucket object"});
  if (object == nullptr) return Unexpected(RecordError{"has no s3.object object"});

  auto bucket_name = string_field(*bucket, "name", kMaxBucketBytes);
  if (!bucket_name) return Unexpected(std::move(bucket_name).error());
  if (!bucket_name->has_value() || (*bucket_name)->empty() || !text::is_valid_utf8(**bucket_name)) {
    return Unexpected(RecordError{"has no usable s3.bucket.name"});
  }
  event.bucket = std::move(**bucket_name);

  // Encoded keys may be up to three times longer than the key they decode to.
  auto key = string_field(*object, "key", kMaxKeyBytes * 3);
  if (!key) return Unexpected(std::move(key).error());
  if (!key->has_value() || (*key)->empty()) return Unexpected(RecordError{"has no s3.object.key"});
  const bool decode = encoding == KeyEncoding::kFormUrlEncoded ||
                      (encoding == KeyEncoding::kBySource && event.event_source != "ceph:s3");
  if (decode) {
    auto decoded = sigv4::percent_decode(**key, /*plus_as_space=*/true);
    if (!decoded) return Unexpected(RecordError{"s3.object.key has a malformed %-escape"});
    event.key = std::move(*decoded);
  } else {
    event.key = std::move(**key);
  }
  if (event.key.empty() || event.key.size() > kMaxKeyBytes || !text::is_valid_utf8(event.key)) {
    return Unexpected(RecordError{"s3.object.key is not 1 to 1024 bytes of UTF-8"});
  }

  if (const Json* size = object->if_contains("size"); size != nullptr && !size->is_null()) {
    if (size->is_uint64()) {
      event.size = size->get_uint64();
    } else if (size->is_int64() && size->get_int64() >= 0) {
      event.size = static_cast<std::uint64_t>(size->get_int64());
    } else {
      return Unexpected(RecordError{"s3.object.size is not a non-negative integer"});
    }
  }
  auto etag = string_field(*object, "eTag", kMaxFieldBytes);
  if (!etag) return Unexpected(std::move(etag).error());
  if (etag->has_value()) event.etag = normalize_etag(**etag);
  auto version = string_field(*object, "versionId", kMaxFieldBytes);
  if (!version) return Unexpected(std::move(version).error());
  if (version->has_value() && !(*version)->empty()) event.version_id = std::move(**version);
  auto sequencer = string_field(*object, "sequencer", kMaxFieldBytes);
  if (!sequencer) return Unexpected(std::move(sequencer).error());
  if (sequencer->has_value()) event.sequencer = std::move(**sequencer);
  return std::optional<StorageEvent>(std::move(event));
}

}  // namespace

Expected<S3EventBatch, std::string> parse_s3_event_records(std::string_view body,
                                                           const S3EventParseOptions& options) {
  if (body.size() > options.max_body_bytes) {
    return Unexpected("the event notification is larger than " +
                      std::to_string(options.max_body_bytes) + " bytes");
  }
  boost::json::parse_options parse_options;
  parse_options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  const Json document = boost::json::parse(body, ec, {}, parse_options);
  if (ec) return Unexpected("the event notification is not JSON: " + ec.message());
  if (!document.is_object())
    return Unexpected(std::string("the event notification is not an object"));
  const auto& root = document.get_object();

  S3EventBatch batch;
  if (const Json* event = root.if_contains("Event");
      event != nullptr && event->is_string() && event->get_string() == "s3:TestEvent") {
    batch.test_event = true;
    return batch;
  }
  const Json* records = root.if_contains("Records");
  if (records == nullptr || !records->is_array()) {
    return Unexpected(std::string("the event notification has no Records array"));
  }
  const auto& array = records->get_array();
  if (array.size() > options.max_records) {
    return Unexpected("the event notification has more than " +
                      std::to_string(options.max_records) + " records");
  }
  for (std::size_t i = 0; i < array.size(); ++i) {
    auto record = parse_record(array[i], options.key_encoding);
    if (!record) {
      return Unexpected("record " + std::to_string(i) + " " +
                        s3client::printable(record.error().message, 200));
    }
    if (record->has_value()) {
      batch.events.push_back(std::move(**record));
    } else {
      ++batch.ignored;
    }
  }
  return batch;
}

Event to_event(const StorageEvent& record, std::chrono::system_clock::time_point received,
               std::string_view fallback_marker) {
  Event event;
  event.type = record.change == StorageChange::kCreated ? EventType::kUploadCompleted
                                                        : EventType::kObjectDeleted;
  event.source = EventSource::kStorage;
  event.bucket = record.bucket;
  event.key = record.key;
  event.version_id = record.version_id;
  event.etag = record.etag;
  event.size = record.size;
  event.time = record.event_time.value_or(received);
  if (event.type == EventType::kObjectDeleted) {
    event.delete_marker =
        record.sequencer.empty() ? std::string(fallback_marker) : record.sequencer;
  }
  return event;
}

std::optional<std::chrono::system_clock::time_point> parse_event_time(std::string_view text) {
  // "YYYY-MM-DDTHH:MM:SS" [ "." 1*9DIGIT ] "Z"
  constexpr std::size_t kSeconds = 19;
  if (text.size() < kSeconds + 1 || text.size() > kSeconds + 11 || text.back() != 'Z') {
    return std::nullopt;
  }
  std::string whole(text.substr(0, kSeconds));
  whole.push_back('Z');
  const auto seconds = sigv4::parse_iso8601(whole);
  if (!seconds) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits (the years 1678 to 2262): a time outside
  // that is no notification's, and converting it would overflow.
  constexpr auto kLimit =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max()) -
      std::chrono::seconds(1);
  if (seconds->time_since_epoch() > kLimit || seconds->time_since_epoch() < -kLimit) {
    return std::nullopt;
  }
  std::string_view fraction = text.substr(kSeconds, text.size() - kSeconds - 1);
  std::chrono::nanoseconds extra{0};
  if (!fraction.empty()) {
    if (fraction.front() != '.' || fraction.size() < 2) return std::nullopt;
    fraction.remove_prefix(1);
    std::int64_t nanos = 0;
    for (std::size_t i = 0; i < 9; ++i) {
      nanos *= 10;
      if (i < fraction.size()) {
        if (!text::is_digit(fraction[i])) return std::nullopt;
        nanos += fraction[i] - '0';
      }
    }
    extra = std::chrono::nanoseconds(nanos);
  }
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::system_clock::time_point(*seconds) + extra);
}

}  // namespace upgate::events
