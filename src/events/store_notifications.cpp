#include "upgate/events/store_notifications.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

#include "upgate/s3/dates.hpp"
#include "upgate/sigv4/uri_encoding.hpp"

namespace upgate::events {
namespace {

// AWS writes keys as an HTML form would: uri_encode keeps '/' and encodes '+' as %2B, so
// turning %20 into '+' gives a form encoding that decodes back to the key.
std::string form_encode_key(std::string_view key) {
  std::string encoded = sigv4::uri_encode(key, /*encode_slash=*/false);
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "%20") == 0) {
      out += '+';
      i += 2;
    } else {
      out += encoded[i];
    }
  }
  return out;
}

}  // namespace

StorageEvent to_storage_event(const store::ObjectChange& change, std::string_view region) {
  StorageEvent record;
  const bool created = change.kind == store::ObjectChange::Kind::kCreated;
  record.change = created ? StorageChange::kCreated : StorageChange::kRemoved;
  record.event_name = change.event_name;
  record.event_source = "upgate:s3";
  record.region = std::string(region);
  record.bucket = change.bucket;
  record.key = change.key;
  if (created) {
    record.size = change.size;
    record.etag = normalize_etag(change.etag);
  }
  record.sequencer = change.sequencer;
  record.event_time = std::chrono::floor<std::chrono::milliseconds>(change.time);
  return record;
}

Event to_event(const store::ObjectChange& change) {
  Event event = to_event(to_storage_event(change, ""), change.time, change.sequencer);
  if (change.kind == store::ObjectChange::Kind::kCreated) {
    event.declared_type = change.content_type;
    event.metadata = change.user_metadata;
  }
  return event;
}

namespace {

boost::json::object s3_event_record(const store::ObjectChange& change, std::string_view region) {
  boost::json::object object;
  object["key"] = form_encode_key(change.key);
  if (change.kind == store::ObjectChange::Kind::kCreated) {
    object["size"] = change.size;
    object["eTag"] = normalize_etag(change.etag);
  }
  object["sequencer"] = change.sequencer;
  boost::json::object s3;
  s3["s3SchemaVersion"] = "1.0";
  s3["bucket"] =
      boost::json::object{{"name", change.bucket}, {"arn", "arn:aws:s3:::" + change.bucket}};
  s3["object"] = std::move(object);
  boost::json::object record;
  record["eventVersion"] = "2.1";
  record["eventSource"] = "upgate:s3";
  record["awsRegion"] = region;
  record["eventTime"] = s3::format_iso8601_ms(change.time);
  record["eventName"] = change.event_name;
  record["s3"] = std::move(s3);
  return record;
}

}  // namespace

std::string render_s3_event_records(std::span<const store::ObjectChange> changes,
                                    std::string_view region) {
  boost::json::array records;
  records.reserve(changes.size());
  for (const auto& change : changes) records.push_back(s3_event_record(change, region));
  return boost::json::serialize(boost::json::object{{"Records", std::move(records)}});
}

std::string render_s3_event_record(const store::ObjectChange& change, std::string_view region) {
  return boost::json::serialize(s3_event_record(change, region));
}

std::string join_s3_event_records(std::span<const std::string> records) {
  std::size_t size = 16;
  for (const auto& r : records) size += r.size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"Records\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out += ',';
    out += records[i];
  }
  out += "]}";
  return out;
}

}  // namespace upgate::events
