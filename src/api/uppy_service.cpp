// The Uppy companion answers: Uppy's requests read into the API's own, and the API's
// answers written in the shapes @uppy/aws-s3 reads.
#include "upgate/api/uppy_service.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

#include "json_writer.hpp"
#include "upgate/api/key_template.hpp"
#include "upgate/api/upload_plan.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

namespace json = boost::json;

constexpr std::string_view kDefaultType = "application/octet-stream";
// The metadata that chooses the profile; never stored on the object.
constexpr std::string_view kProfileMeta = "profile";
constexpr std::string_view kFolderMeta = "folder";
constexpr std::size_t kMaxQueryPairs = 64;

Unexpected<ApiReply> refuse(ApiError error) {
  return Unexpected(UploadService::error_reply(ErrorStyle::companion, std::move(error)));
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// A query's name=value pairs, percent-decoded ('+' is a space, as URLSearchParams writes).
Expected<Pairs, ApiReply> query_pairs(std::string_view query) {
  Pairs out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    if (out.size() == kMaxQueryPairs) {
      return refuse(make_error(ErrorCode::invalid_metadata, "the query has too many parameters"));
    }
    const auto eq = pair.find('=');
    auto name = sigv4::percent_decode(pair.substr(0, eq), true);
    auto value =
        sigv4::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) {
      return refuse(
          make_error(ErrorCode::invalid_metadata, "the query is not valid percent-encoding"));
    }
    for (const auto& [seen, unused] : out) {
      if (seen == *name) {
        return refuse(make_error(ErrorCode::invalid_metadata,
                                 "a query parameter is given more than once", *name));
      }
    }
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

const std::string* find(const Pairs& pairs, std::string_view name) {
  for (const auto& [n, v] : pairs) {
    if (n == name) return &v;
  }
  return nullptr;
}

bool is_ascii_printable(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

// How S3 itself returns a metadata value that is not ASCII (RFC 2047, one encoded-word),
// so the value reaches the store as printable ASCII and SDKs read back the original.
std::string header_safe(std::string value) {
  if (is_ascii_printable(value)) return value;
  return "=?UTF-8?B?" + sigv4::base64_encode(value) + "?=";
}

}  // namespace

Expected<UploadRequest, ApiReply> UppyService::read_request(std::string_view file_name,
                                                            std::string_view type,
                                                            const Pairs& metadata) const {
  // Read exactly as /v1/uploads reads its body, so every rule on names, types and
  // metadata is the same one; Uppy declares no size, so the request leaves it at 0.
  json::object body;
  std::string profile;
  json::object meta;
  for (const auto& [name, value] : metadata) {
    if (name == kProfileMeta) {
      profile = value;
    } else if (name == kFolderMeta) {
      if (profile.empty()) profile = value;
    } else {
      meta[name] = header_safe(value);
    }
  }
  if (profile.empty()) profile = settings_.default_profile;
  if (profile.empty()) {
    return refuse(make_error(ErrorCode::missing_field,
                             "metadata[profile] is required: this server names no default "
                             "profile for Uppy ([uppy] profile)",
                             "metadata[profile]"));
  }
  body["profile"] = profile;
  body["fileName"] = file_name;
  body["contentType"] = type.empty() ? kDefaultType : type;
  body["size"] = 1;
  if (!meta.empty()) body["metadata"] = std::move(meta);
  auto request = read_v1_request(body);
  if (!request) return refuse(std::move(request).error());
  request->size = 0;
  return std::move(*request);
}

Expected<UploadRequest, ApiReply> UppyService::read_params(std::string_view query) const {
  auto pairs = query_pairs(query);
  if (!pairs) return Unexpected(std::move(pairs).error());
  const std::string* file_name = find(*pairs, "filename");
  if (file_name == nullptr || file_name->empty()) {
    return refuse(make_error(ErrorCode::missing_field, "filename is required", "filename"));
  }
  const std::string* type = find(*pairs, "type");
  Pairs metadata;
  for (const auto& [name, value] : *pairs) {
    // metadata[NAME]=VALUE, as Uppy writes its file's meta into the query.
    if (name.size() > 10 && name.starts_with("metadata[") && name.back() == ']') {
      metadata.emplace_back(name.substr(9, name.size() - 10), value);
    }
  }
  return read_request(*file_name, type != nullptr ? std::string_view(*type) : kDefaultType,
                      metadata);
}

Expected<UploadRequest, ApiReply> UppyService::read_create(
    std::optional<std::string_view> content_type, std::string_view body) const {
  if (!content_type || !is_json_media_type(*content_type)) {
    return refuse(
        make_error(ErrorCode::unsupported_media_type, "Content-Type must be application/json"));
  }
  alignas(16) unsigned char scratch[4096];
  json::monotonic_resource arena(scratch, sizeof scratch);
  auto object = parse_json_object(body, &arena);
  if (!object) return refuse(std::move(object).error());
  const json::value* file_name = object->if_contains("filename");
  if (file_name == nullptr || !file_name->is_string() || file_name->get_string().empty()) {
    return refuse(make_error(ErrorCode::missing_field, "filename is required", "filename"));
  }
  std::string_view type = kDefaultType;
  if (const json::value* t = object->if_contains("type"); t != nullptr && t->is_string()) {
    type = t->get_string();
  }
  Pairs metadata;
  if (const json::value* m = object->if_contains("metadata"); m != nullptr && !m->is_null()) {
    if (!m->is_object()) {
      return refuse(make_error(ErrorCode::wrong_type, "metadata must be an object", "metadata"));
    }
    for (const auto& [name, value] : m->get_object()) {
      // Uppy's meta holds whatever the page set: strings are kept, numbers and booleans
      // written as text (as its form route writes them), null and nested values skipped.
      if (value.is_string()) {
        metadata.emplace_back(name, value.get_string());
      } else if (value.is_number() || value.is_bool()) {
        metadata.emplace_back(name, json::serialize(value));
      }
    }
  }
  return read_request(file_name->get_string(), type, metadata);
}

Expected<std::string, ApiReply> UppyService::read_key(std::string_view query) {
  auto pairs = query_pairs(query);
  if (!pairs) return Unexpected(std::move(pairs).error());
  const std::string* key = find(*pairs, "key");
  if (key == nullptr || key->empty()) {
    return refuse(make_error(ErrorCode::missing_field, "key is required", "key"));
  }
  if (!well_formed_key(*key)) {
    return refuse(make_error(ErrorCode::invalid_key, "key is not a key upgate issues", "key"));
  }
  return *key;
}

Expected<std::uint32_t, ApiReply> UppyService::read_part_number(std::string_view segment) {
  std::uint32_t n = 0;
  const auto* end = segment.data() + segment.size();
  const auto [ptr, ec] = std::from_chars(segment.data(), end, n);
  if (segment.empty() || ec != std::errc{} || ptr != end || n < 1 || n > kMaxPartCount) {
    return refuse(make_error(ErrorCode::invalid_part_number, "a part number must be 1 to 10000",
                             "partNumber"));
  }
  return n;
}

Expected<std::vector<std::uint32_t>, ApiReply> UppyService::read_part_numbers(
    std::string_view query) {
  auto pairs = query_pairs(query);
  if (!pairs) return Unexpected(std::move(pairs).error());
  const std::string* list = find(*pairs, "partNumbers");
  if (list == nullptr || list->empty()) {
    return refuse(make_error(ErrorCode::missing_field, "partNumbers is required", "partNumbers"));
  }
  std::vector<std::uint32_t> out;
  std::string_view rest = *list;
  while (true) {
    const auto comma = rest.find(',');
    auto n = read_part_number(rest.substr(0, comma));
    if (!n) return Unexpected(std::move(n).error());
    if (out.size() == kMaxPartsPerSignCall) {
      return refuse(make_error(
          ErrorCode::invalid_part_number,
          "partNumbers must list 1 to " + std::to_string(kMaxPartsPerSignCall) + " parts",
          "partNumbers"));
    }
    out.push_back(*n);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

Expected<std::vector<s3::CompletedPart>, ApiReply> UppyService::read_complete(
    std::optional<std::string_view> content_type, std::string_view body) {
  if (!content_type || !is_json_media_type(*content_type)) {
    return refuse(
        make_error(ErrorCode::unsupported_media_type, "Content-Type must be application/json"));
  }
  // 10,000 parts of {"PartNumber":10000,"ETag":"\"<32 hex>\""} is about 600 KB: parsed on
  // the heap, within the route's body bound.
  auto object = parse_json_object(body);
  if (!object) return refuse(std::move(object).error());
  const json::value* parts = object->if_contains("parts");
  if (parts == nullptr || !parts->is_array()) {
    return refuse(make_error(ErrorCode::missing_field, "parts must be an array", "parts"));
  }
  std::vector<s3::CompletedPart> out;
  out.reserve(parts->get_array().size());
  for (const json::value& part : parts->get_array()) {
    const json::object* p = part.if_object();
    const json::value* number = p != nullptr ? p->if_contains("PartNumber") : nullptr;
    const json::value* etag = p != nullptr ? p->if_contains("ETag") : nullptr;
    if (number == nullptr || etag == nullptr || !etag->is_string()) {
      return refuse(make_error(ErrorCode::wrong_type,
                               "each part must be {\"PartNumber\": n, \"ETag\": \"...\"}",
                               "parts"));
    }
    std::uint32_t n = 0;
    if (number->is_int64() && number->get_int64() >= 1 && number->get_int64() <= kMaxPartCount) {
      n = static_cast<std::uint32_t>(number->get_int64());
    } else if (number->is_uint64() && number->get_uint64() >= 1 &&
               number->get_uint64() <= kMaxPartCount) {
      n = static_cast<std::uint32_t>(number->get_uint64());
    } else if (number->is_string()) {
      auto parsed = read_part_number(number->get_string());
      if (!parsed) return Unexpected(std::move(parsed).error());
      n = *parsed;
    } else {
      return refuse(
          make_error(ErrorCode::invalid_part_number, "a part number must be 1 to 10000", "parts"));
    }
    const std::string_view tag = etag->get_string();
    if (tag.empty() || tag.size() > 128 || !is_ascii_printable(tag)) {
      return refuse(make_error(ErrorCode::wrong_type, "an ETag must be a short string", "parts"));
    }
    s3::CompletedPart completed;
    completed.part_number = static_cast<int>(n);
    completed.etag = std::string(tag);
    out.push_back(std::move(completed));
  }
  return out;
}

std::uint64_t UppyService::max_size(const UploadProfile& profile, const Caller& caller) {
  return caller.limits.max_size_under(profile.max_size);
}

ApiReply UppyService::sign_form(const UploadRequest& request, const ResolvedProfile& resolved,
                                const Caller& caller) const {
  const auto now = uploads_.now();
  auto plan = plan_upload(request, UploadRoute::v1, resolved, caller, now, random_id());
  if (!plan) {
    ApiReply reply = UploadService::error_reply(ErrorStyle::companion, std::move(plan).error());
    reply.profile = resolved.profile;
    return reply;
  }
  // Every field the browser posts beside `file` is pinned by the policy: the object's
  // type and metadata as planned, and the status Uppy reads.
  std::vector<sigv4::FormField> fields;
  for (const auto& header : plan->headers) {
    if (text::iequals(header.name, "Content-Type") ||
        text::istarts_with(header.name, "x-amz-meta-")) {
      fields.push_back({header.name, header.value});
    }
  }
  fields.push_back({"success_action_status", "201"});
  sigv4::PresignPostRequest post;
  post.key = plan->key;
  post.time = now;
  post.content_length_range =
      std::pair<std::uint64_t, std::uint64_t>{1, max_size(*plan->profile, caller)};
  post.fields = fields;
  auto form = uploads_.presign_post(post, plan->lifetime, plan->profile);
  if (!form) return companion_style(std::move(form).error());

  ApiReply reply;
  reply.kind = ReplyKind::upload_url;
  reply.profile = plan->profile;
  reply.key = plan->key;
  reply.expires_at = form->expires_at;
  json_out::ObjectWriter o(reply.body);
  o.string("method", "POST");
  // Uppy appends the key to `url` for the object's location: the bucket URL ends in '/'.
  o.string("url", form->url.ends_with('/') ? form->url : form->url + '/');
  std::string& f = o.nested("fields");
  json_out::ObjectWriter fw(f);
  for (const auto& field : form->fields) fw.string(field.name, field.value);
  fw.close();
  o.string("expires", sigv4::format_iso8601(form->expires_at));
  o.close();
  return reply;
}

ApiReply UppyService::created(const MultipartPlan& plan, std::string upload_id) const {
  auto issued = multipart_.issue(plan, std::move(upload_id));
  if (!issued) return companion_style(std::move(issued).error());
  ApiReply reply;
  reply.kind = ReplyKind::upload_url;
  reply.profile = plan.profile;
  reply.key = issued->claims.key;
  reply.expires_at = issued->claims.expires_at;
  json_out::ObjectWriter o(reply.body);
  o.string("key", issued->claims.key);
  // The upload token stands in for S3's uploadId: Uppy hands it back on every call.
  o.string("uploadId", issued->token);
  o.string("bucket", uploads_.target().bucket);
  o.close();
  return reply;
}

ApiReply UppyService::part_url(const sigv4::PresignedUrl& url, const UploadClaims& claims,
                               const UploadProfile* profile) {
  ApiReply reply;
  reply.kind = ReplyKind::upload_url;
  reply.profile = profile;
  reply.key = claims.key;
  reply.expires_at = url.expires_at;
  json_out::ObjectWriter o(reply.body);
  o.string("url", url.url);
  o.string("expires", sigv4::format_iso8601(url.expires_at));
  o.close();
  return reply;
}

ApiReply UppyService::part_urls(const std::vector<std::uint32_t>& numbers,
                                const std::vector<sigv4::PresignedUrl>& urls,
                                const UploadClaims& claims, const UploadProfile* profile) {
  ApiReply reply;
  reply.kind = ReplyKind::upload_url;
  reply.profile = profile;
  reply.key = claims.key;
  json_out::ObjectWriter o(reply.body);
  std::string& m = o.nested("presignedUrls");
  json_out::ObjectWriter mw(m);
  for (std::size_t i = 0; i < urls.size() && i < numbers.size(); ++i) {
    mw.string(std::to_string(numbers[i]), urls[i].url);
    reply.expires_at = urls[i].expires_at;
  }
  mw.close();
  o.close();
  return reply;
}

ApiReply UppyService::parts(const UploadClaims& claims,
                            const std::vector<s3client::UploadedPart>& stored) {
  ApiReply reply = UploadService::state_reply(claims.key);
  reply.body = "[";
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (i > 0) reply.body += ',';
    json_out::ObjectWriter part(reply.body);
    part.number("PartNumber", static_cast<std::uint64_t>(stored[i].part_number));
    part.string("ETag", stored[i].etag);
    part.number("Size", stored[i].size);
    part.close();
  }
  reply.body += ']';
  return reply;
}

ApiReply UppyService::completed(const UploadClaims& claims,
                                const s3client::CompletedUpload& done) const {
  ApiReply reply = UploadService::state_reply(claims.key);
  json_out::ObjectWriter o(reply.body);
  o.string("location", done.location);
  o.string("key", claims.key);
  o.string("bucket", uploads_.target().bucket);
  o.string("etag", done.etag);
  o.close();
  return reply;
}

ApiReply UppyService::aborted(const UploadClaims& claims) {
  ApiReply reply = UploadService::state_reply(claims.key);
  reply.body = "{}";
  return reply;
}

ApiReply UppyService::companion_style(ApiReply reply) {
  if (!reply.error) return reply;
  boost::system::error_code ec;
  const json::value parsed = json::parse(reply.body, ec);
  const json::object* outer = !ec ? parsed.if_object() : nullptr;
  const json::value* inner = outer != nullptr ? outer->if_contains("error") : nullptr;
  // Already Companion's shape ("error" is the code), or written as /v1 writes errors:
  // {"ok":false,"error":{"code",...}}.
  if (inner == nullptr || !inner->is_object()) return reply;
  const json::object& e = inner->get_object();
  auto text_of = [&e](std::string_view name) {
    const json::value* v = e.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  ApiError error = make_error(*reply.error, text_of("message"), text_of("field"));
  error.reason = text_of("reason");
  ApiReply restyled = UploadService::error_reply(ErrorStyle::companion, std::move(error));
  restyled.profile = reply.profile;
  restyled.key = std::move(reply.key);
  restyled.internal_detail = std::move(reply.internal_detail);
  restyled.www_authenticate = std::move(reply.www_authenticate);
  return restyled;
}

}  // namespace upgate::api
