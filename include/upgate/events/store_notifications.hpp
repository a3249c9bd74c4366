// The embedded store's changes (store/object_change.hpp) as S3 event notifications: the
// StorageEvent that RGW's and AWS's records also parse to, so a change from the store
// becomes the same Event (same dedup key) as one reported by any other storage; and the
// `{"Records":[...]}` JSON AWS S3 sends, for `upgate store --notify-url`.
//
// The JSON: one record per change, eventVersion "2.1", eventSource "upgate:s3", awsRegion,
// eventTime (UTC, milliseconds), eventName, s3.s3SchemaVersion "1.0", s3.bucket.name and
// .arn, s3.object.key (form-URL-encoded as AWS does: a space is "+", '/' kept), .size and
// .eTag (created only), .sequencer. parse_s3_event_records() reads it back unchanged.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "upgate/events/event.hpp"
#include "upgate/events/s3_event_records.hpp"
#include "upgate/store/object_change.hpp"

namespace upgate::events {

StorageEvent to_storage_event(const store::ObjectChange& change, std::string_view region);

// to_event(to_storage_event(change)) plus what only the store knows: the stored
// Content-Type as declared_type and the user metadata.
Event to_event(const store::ObjectChange& change);

std::string render_s3_event_records(std::span<const store::ObjectChange> changes,
                                    std::string_view region);
// The same in two steps, for records that wait in an outbox one by one: one record's
// JSON object, and `{"Records":[...]}` around records rendered so.
std::string render_s3_event_record(const store::ObjectChange& change, std::string_view region);
std::string join_s3_event_records(std::span<const std::string> records);

}  // namespace upgate::events
