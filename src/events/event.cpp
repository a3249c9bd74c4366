#include "upgate/events/event.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <span>

#include "upgate/enum_names.hpp"
#include "upgate/events/s3_event_records.hpp"
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

constexpr EnumName<EventType> kEventTypeNames[] = {
    {EventType::kUploadCompleted, kCompleted},
    {EventType::kUploadRejected, kRejected},
    {EventType::kObjectDeleted, kDeleted},
};

std::string_view to_string(EventType type) {
  return name_of(kEventTypeNames, type, kCompleted);
}

std::optional<EventType> parse_event_type(std::string_view text) {
  return value_named(kEventTypeNames, text);
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

// "<size>:<bytes>": fields of any content stay apart, so two different (bucket, key,
// version) triples never make the same key, whatever bytes a hostile notification carries.
void append_key_field(std::string& out, std::string_view field) {
  out.append(std::to_string(field.size())).append(":").append(field);
}

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
  append_key_field(key, event.bucket);
  append_key_field(key, event.key);
  append_key_field(key, version);
  return key;
}

std::string event_id_for(std::string_view dedup) {
  const sigv4::Sha256Digest digest = sigv4::sha256(dedup);
  std::string id = "evt_";
  text::append_hex_lower(id, std::span<const std::uint8_t>(digest.data(), 16));
  return id;
}

std::string ordering_key(const Event& event) {
  return ordering_key(event.bucket, event.key);
}

std::string ordering_key(std::string_view bucket, std::string_view object_key) {
  std::string key;
  append_key_field(key, bucket);
  key.append(object_key);
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

namespace {

std::string text_of(const boost::json::string& s) {
  return std::string(s.data(), s.size());
}

// A string member, or "" for null or absent; nullopt for any other type.
std::optional<std::string> text_member(const boost::json::object& o, std::string_view name) {
  const boost::json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return std::nullopt;
  return text_of(v->get_string());
}

}  // namespace

std::optional<Event> parse_event_json(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const boost::json::object& root = doc.get_object();
  const boost::json::value* data_value = root.if_contains("data");
  if (data_value == nullptr || !data_value->is_object()) return std::nullopt;
  const boost::json::object& data = data_value->get_object();
  Event event;
  auto type = text_member(root, "type");
  if (!type) return std::nullopt;
  auto parsed_type = parse_event_type(*type);
  if (!parsed_type) return std::nullopt;
  event.type = *parsed_type;
  auto timestamp = text_member(root, "timestamp");
  if (!timestamp) return std::nullopt;
  auto time = parse_event_time(*timestamp);
  if (!time) return std::nullopt;
  event.time = *time;
  const std::pair<std::string_view, std::string*> texts[] = {{"bucket", &event.bucket},
                                                             {"key", &event.key},
                                                             {"etag", &event.etag},
                                                             {"declaredType", &event.declared_type},
                                                             {"detectedType", &event.detected_type},
                                                             {"profile", &event.profile},
                                                             {"reason", &event.reason}};
  for (const auto& [name, slot] : texts) {
    auto value = text_member(data, name);
    if (!value) return std::nullopt;
    *slot = std::move(*value);
  }
  if (const auto* v = data.if_contains("versionId"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) return std::nullopt;
    event.version_id = text_of(v->get_string());
  }
  if (const auto* v = data.if_contains("size"); v != nullptr && !v->is_null()) {
    if (v->is_uint64()) {
      event.size = v->get_uint64();
    } else if (v->is_int64() && v->get_int64() >= 0) {
      event.size = static_cast<std::uint64_t>(v->get_int64());
    } else {
      return std::nullopt;
    }
  }
  if (const auto* v = data.if_contains("checksum"); v != nullptr && !v->is_null()) {
    if (!v->is_object()) return std::nullopt;
    const boost::json::object& c = v->get_object();
    Checksum checksum;
    auto algorithm = text_member(c, "algorithm");
    auto value = text_member(c, "value");
    const auto* verified = c.if_contains("verified");
    if (!algorithm || !value || verified == nullptr || !verified->is_bool()) return std::nullopt;
    checksum.algorithm = std::move(*algorithm);
    checksum.value = std::move(*value);
    checksum.verified = verified->get_bool();
    event.checksum = std::move(checksum);
  }
  if (const auto* v = data.if_contains("principal"); v != nullptr && !v->is_null()) {
    if (!v->is_object()) return std::nullopt;
    const boost::json::object& p = v->get_object();
    auto id = text_member(p, "id");
    if (!id) return std::nullopt;
    event.principal_id = std::move(*id);
    if (const auto* claims = p.if_contains("claims"); claims != nullptr && claims->is_object()) {
      event.claims = claims->get_object();
    }
  }
  if (const auto* v = data.if_contains("metadata"); v != nullptr && !v->is_null()) {
    if (!v->is_object()) return std::nullopt;
    for (const auto& member : v->get_object()) {
      if (!member.value().is_string()) return std::nullopt;
      event.metadata.emplace_back(std::string(member.key().data(), member.key().size()),
                                  text_of(member.value().get_string()));
    }
  }
  auto source = text_member(data, "source");
  if (!source) return std::nullopt;
  event.source = *source == "completion" ? EventSource::kCompletion : EventSource::kStorage;
  return event;
}

}  // namespace upgate::events
