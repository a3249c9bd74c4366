#include "upgate/events/event.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <span>

#include "upgate/s3/dates.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::events {
namespace {

constexpr std::string_view kCompleted = "upload.completed";
constexpr std::string_view kRejected = "upload.rejected";
constexpr std::string_view kDeleted = "object.deleted";

// JSON text must be UTF-8: bytes that are not (a metadata value a client sent as Latin-1)
// become U+FFFD rather than an invalid document every receiver would refuse.
boost::json::string json_text(std::string_view s) {
  if (text::is_valid_utf8(s))
    return boost::json::string(boost::json::string_view(s.data(), s.size()));
  boost::json::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = text::utf8_sequence_length(s, i);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(boost::json::string_view(s.data() + i, len));
      i += len;
    }
  }
  return out;
}

boost::json::value optional_string(std::string_view s) {
  if (s.empty()) return nullptr;
  return json_text(s);
}

}  // namespace

std::string_view to_string(EventType type) {
  switch (type) {
    case EventType::kUploadCompleted:
      return kCompleted;
    case EventType::kUploadRejected:
      return kRejected;
    case EventType::kObjectDeleted:
      return kDeleted;
  }
  return kCompleted;
}

std::optional<EventType> parse_event_type(std::string_view text) {
  if (text == kCompleted) return EventType::kUploadCompleted;
  if (text == kRejected) return EventType::kUploadRejected;
  if (text == kDeleted) return EventType::kObjectDeleted;
  return std::nullopt;
}

std::string_view to_string(EventSource source) {
  return source == EventSource::kCompletion ? "completion" : "storage";
}

std::string normalize_etag(std::string_view etag) {
  etag = text::trim(etag);
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return text::lower(etag);
}

namespace {

// "<size>:<bytes>": fields of any content stay apart, so two different (bucket, key,
// version) triples never make the same key, whatever bytes a hostile notification carries.
void append_field(std::string& out, std::string_view field) {
  out.append(std::to_string(field.size())).append(":").append(field);
}

}  // namespace

std::string dedup_key(const Event& event) {
  if (event.bucket.empty() || event.key.empty()) return {};
  std::string version;
  std::string_view kind;
  if (event.type == EventType::kObjectDeleted) {
    kind = "deleted";
    version = event.version_id.value_or(event.delete_marker);
  } else {
    kind = "upload";
    version = event.version_id ? *event.version_id : normalize_etag(event.etag);
  }
  if (version.empty()) return {};
  std::string key(kind);
  key.reserve(kind.size() + event.bucket.size() + event.key.size() + version.size() + 24);
  append_field(key, event.bucket);
  append_field(key, event.key);
  append_field(key, version);
  return key;
}

std::string event_id_for(std::string_view dedup) {
  const sigv4::Sha256Digest digest = sigv4::sha256(dedup);
  std::string id = "evt_";
  text::append_hex_lower(id, std::span<const std::uint8_t>(digest.data(), 16));
  return id;
}

std::string ordering_key(const Event& event) {
  std::string key;
  append_field(key, event.bucket);
  key.append(event.key);
  return key;
}

std::string render_json(const Event& event) {
  boost::json::object data;
  data["bucket"] = json_text(event.bucket);
  data["key"] = json_text(event.key);
  data["versionId"] = event.version_id ? boost::json::value(json_text(*event.version_id))
                                       : boost::json::value(nullptr);
  data["etag"] = optional_string(normalize_etag(event.etag));
  data["size"] = event.size ? boost::json::value(*event.size) : boost::json::value(nullptr);
  data["declaredType"] = optional_string(event.declared_type);
  data["detectedType"] = optional_string(event.detected_type);
  if (event.checksum) {
    boost::json::object checksum;
    checksum["algorithm"] = json_text(event.checksum->algorithm);
    checksum["value"] = json_text(event.checksum->value);
    checksum["verified"] = event.checksum->verified;
    data["checksum"] = std::move(checksum);
  } else {
    data["checksum"] = nullptr;
  }
  data["profile"] = optional_string(event.profile);
  if (event.principal_id.empty()) {
    data["principal"] = nullptr;
  } else {
    boost::json::object principal;
    principal["id"] = json_text(event.principal_id);
    principal["claims"] = event.claims;
    data["principal"] = std::move(principal);
  }
  boost::json::object metadata;
  for (const auto& [name, value] : event.metadata) metadata[json_text(name)] = json_text(value);
  data["metadata"] = std::move(metadata);
  data["source"] = json_text(to_string(event.source));
  data["reason"] = optional_string(event.reason);

  boost::json::object body;
  body["id"] = event_id_for(dedup_key(event));
  body["type"] = json_text(to_string(event.type));
  body["timestamp"] = s3::format_iso8601_ms(event.time);
  body["data"] = std::move(data);
  return boost::json::serialize(body);
}

}  // namespace upgate::events
