// Reading the upload request bodies: strict JSON, then each field's type and emptiness.
#include "upgate/api/upload_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>

#include "upgate/api/upload_profile.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

namespace json = boost::json;

Unexpected<ApiError> missing(std::string_view field) {
  return fail(ErrorCode::missing_field, std::string(field) + " is required", field);
}

// A required string: absent, null and "" are missing (the seed's `!field`).
Expected<std::string, ApiError> required_string(const json::object& body, std::string_view field) {
  const json::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) return missing(field);
  if (!v->is_string())
    return fail(ErrorCode::wrong_type, std::string(field) + " must be a string", field);
  if (v->get_string().empty()) return missing(field);
  return std::string(v->get_string());
}

// A size: a positive integral number up to 5 TiB. 0 is missing when `zero_is_missing`.
Expected<std::uint64_t, ApiError> required_size(const json::object& body, std::string_view field,
                                                bool zero_is_missing) {
  const json::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) return missing(field);
  const auto invalid = [&](std::string why) {
    return fail(ErrorCode::invalid_size, std::string(field) + " " + why, field);
  };
  std::uint64_t size = 0;
  if (v->is_uint64()) {
    size = v->get_uint64();
  } else if (v->is_int64()) {
    const std::int64_t n = v->get_int64();
    if (n < 0) return invalid("must not be negative");
    size = static_cast<std::uint64_t>(n);
  } else if (v->is_double()) {
    const double d = v->get_double();
    if (std::isnan(d)) return invalid("must be a number");
    if (d < 0) return invalid("must not be negative");
    if (d != std::floor(d)) return invalid("must be a whole number of bytes");
    if (d > static_cast<double>(kMaxObjectSize))
      return invalid("is larger than 5 TiB, the largest S3 object");
    size = static_cast<std::uint64_t>(d);
  } else if (v->is_string() && v->get_string().empty()) {
    return missing(field);  // "" is falsy in the seed
  } else if (v->is_bool() && !v->get_bool()) {
    return missing(field);
  } else {
    return fail(ErrorCode::wrong_type, std::string(field) + " must be a number (bytes)", field);
  }
  if (size == 0) {
    if (zero_is_missing) return missing(field);
    return invalid("must be at least 1 byte");
  }
  if (size > kMaxObjectSize) return invalid("is larger than 5 TiB, the largest S3 object");
  return size;
}

// S3 user metadata travels as headers: names are lower-case tokens, values printable ASCII
// without leading or trailing spaces (a trimmed header would no longer match the signature).
Expected<std::vector<std::pair<std::string, std::string>>, ApiError> read_metadata(
    const json::value& v) {
  constexpr std::string_view field = "metadata";
  if (!v.is_object())
    return fail(ErrorCode::wrong_type, "metadata must be an object of strings", field);
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t total = 0;
  for (const auto& [raw_name, value] : v.get_object()) {
    const std::string_view name(raw_name.data(), raw_name.size());
    if (name.empty() || name.size() > 128) {
      return fail(ErrorCode::invalid_metadata, "metadata names must be 1-128 characters", field);
    }
    for (char c : name) {
      if (!text::is_alnum(c) && c != '-' && c != '_') {
        return fail(ErrorCode::invalid_metadata,
                    "metadata names may hold only letters, digits, '-' and '_'", field);
      }
    }
    const std::string lower = text::lower(name);
    if (!value.is_string())
      return fail(ErrorCode::wrong_type, "metadata values must be strings", field);
    const std::string_view text(value.get_string().data(), value.get_string().size());
    for (char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u > 0x7E) {
        return fail(ErrorCode::invalid_metadata, "metadata values must be printable ASCII", field);
      }
    }
    if (!text.empty() && (text.front() == ' ' || text.back() == ' ')) {
      return fail(ErrorCode::invalid_metadata, "metadata values must not start or end with a space",
                  field);
    }
    for (const auto& [existing, unused] : out) {
      if (existing == lower) {
        return fail(ErrorCode::invalid_metadata, "metadata names must be unique ignoring case",
                    field);
      }
    }
    total += lower.size() + text.size();
    if (total > kMaxMetadataBytes) {
      return fail(ErrorCode::invalid_metadata, "metadata is larger than 2 KiB", field);
    }
    out.emplace_back(std::move(lower), std::string(text));
  }
  return out;
}

}  // namespace

Expected<json::object, ApiError> parse_json_object(std::string_view body,
                                                   json::storage_ptr storage) {
  if (body.size() > kMaxRequestBodyBytes) {
    return fail(ErrorCode::body_too_large, "request body is larger than 16 KiB", "");
  }
  json::parse_options options;
  options.max_depth = 8;
  boost::system::error_code ec;
  json::value value = json::parse(body, ec, std::move(storage), options);
  if (ec) return fail(ErrorCode::invalid_json, "request body is not valid JSON", "");
  if (!value.is_object())
    return fail(ErrorCode::not_an_object, "request body must be a JSON object", "");
  return std::move(value.get_object());
}

// JavaScript's falsy values, as far as JSON can carry them: the seed's `!field`.
static bool falsy(const json::value* v) {
  if (v == nullptr || v->is_null()) return true;
  if (v->is_string()) return v->get_string().empty();
  if (v->is_bool()) return !v->get_bool();
  if (v->is_int64()) return v->get_int64() == 0;
  if (v->is_uint64()) return v->get_uint64() == 0;
  if (v->is_double()) return v->get_double() == 0;
  return false;
}

namespace {

// The names a request gives the file's name, content type and size.
struct FileFields {
  std::string_view name, type, size;
  bool zero_size_is_missing;
};

// The file's name, content type and size into `out`, read and checked in that order.
Expected<void, ApiError> read_file_fields(const json::object& body, const FileFields& fields,
                                          UploadRequest& out) {
  auto file_name = required_string(body, fields.name);
  if (!file_name) return Unexpected(std::move(file_name).error());
  auto type = required_string(body, fields.type);
  if (!type) return Unexpected(std::move(type).error());
  auto size = required_size(body, fields.size, fields.zero_size_is_missing);
  if (!size) return Unexpected(std::move(size).error());
  out.file_name = std::move(*file_name);
  out.content_type = std::move(*type);
  out.size = *size;
  return {};
}

}  // namespace

Expected<UploadRequest, ApiError> read_seed_request(const json::object& body) {
  // The seed tests all four for falsiness before anything else, and answers one message
  // for any of them; the first one found is named in `field`.
  for (std::string_view field : {"fileName", "fileType", "fileSize", "folderName"}) {
    if (falsy(body.if_contains(field))) return missing(field);
  }
  UploadRequest out;
  if (auto read = read_file_fields(body, {"fileName", "fileType", "fileSize", true}, out); !read) {
    return Unexpected(std::move(read).error());
  }
  auto folder = required_string(body, "folderName");
  if (!folder) return Unexpected(std::move(folder).error());
  out.profile = std::move(*folder);
  return out;
}

Expected<UploadRequest, ApiError> read_v1_request(const json::object& body) {
  UploadRequest out;
  const bool has_profile = body.contains("profile") && !body.at("profile").is_null();
  const bool has_folder = body.contains("folderName") && !body.at("folderName").is_null();
  if (has_profile && has_folder) {
    return fail(ErrorCode::wrong_type, "give profile or folderName, not both", "profile");
  }
  auto profile = required_string(body, has_folder ? "folderName" : "profile");
  if (!profile) return Unexpected(std::move(profile).error());
  out.profile = std::move(*profile);
  if (auto read = read_file_fields(body, {"fileName", "contentType", "size", false}, out); !read) {
    return Unexpected(std::move(read).error());
  }

  if (const json::value* sha = body.if_contains("sha256"); sha != nullptr && !sha->is_null()) {
    if (!sha->is_string()) return fail(ErrorCode::wrong_type, "sha256 must be a string", "sha256");
    out.sha256_base64 = std::string(sha->get_string());
  }
  if (const json::value* meta = body.if_contains("metadata"); meta != nullptr && !meta->is_null()) {
    auto metadata = read_metadata(*meta);
    if (!metadata) return Unexpected(std::move(metadata).error());
    out.metadata = std::move(*metadata);
  }
  return out;
}

}  // namespace upgate::api
