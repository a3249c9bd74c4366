// The stable error codes and their HTTP statuses.
#include "upgate/api/api_error.hpp"

#include "upgate/enum_names.hpp"

namespace upgate::api {

namespace {

// A row a code: its stable name and its HTTP status.
struct ErrorCodeRow {
  ErrorCode value;
  std::string_view name;
  int status;
};

constexpr ErrorCodeRow kErrorCodes[] = {
    {ErrorCode::invalid_json, "invalid_json", 400},
    {ErrorCode::not_an_object, "not_an_object", 400},
    {ErrorCode::body_too_large, "body_too_large", 413},
    {ErrorCode::unsupported_media_type, "unsupported_media_type", 415},
    {ErrorCode::missing_field, "missing_field", 400},
    {ErrorCode::wrong_type, "wrong_type", 400},
    {ErrorCode::invalid_size, "invalid_size", 400},
    {ErrorCode::file_too_large, "file_too_large", 400},
    {ErrorCode::invalid_file_name, "invalid_file_name", 400},
    {ErrorCode::invalid_content_type, "invalid_content_type", 400},
    {ErrorCode::content_type_not_allowed, "content_type_not_allowed", 400},
    {ErrorCode::extension_not_allowed, "extension_not_allowed", 400},
    {ErrorCode::invalid_folder, "invalid_folder", 400},
    {ErrorCode::unknown_profile, "unknown_profile", 400},
    {ErrorCode::invalid_checksum, "invalid_checksum", 400},
    {ErrorCode::invalid_metadata, "invalid_metadata", 400},
    {ErrorCode::invalid_key, "invalid_key", 400},
    {ErrorCode::downloads_disabled, "downloads_disabled", 403},
    {ErrorCode::folder_reserved, "folder_reserved", 403},
    {ErrorCode::origin_not_allowed, "origin_not_allowed", 403},
    {ErrorCode::rate_limited, "rate_limited", 429},
    {ErrorCode::quota_exceeded, "quota_exceeded", 429},
    {ErrorCode::too_many_open_uploads, "too_many_open_uploads", 429},
    {ErrorCode::limits_unavailable, "limits_unavailable", 503},
    {ErrorCode::too_many_connections, "too_many_connections", 503},
    {ErrorCode::not_found, "not_found", 404},
    {ErrorCode::method_not_allowed, "method_not_allowed", 405},
    {ErrorCode::credentials_unavailable, "credentials_unavailable", 503},
    {ErrorCode::authentication_required, "authentication_required", 401},
    {ErrorCode::invalid_credentials, "invalid_credentials", 401},
    {ErrorCode::access_denied, "access_denied", 403},
    {ErrorCode::auth_unavailable, "auth_unavailable", 503},
    {ErrorCode::upload_token_refused, "upload_token_refused", 403},
    {ErrorCode::invalid_part_number, "invalid_part_number", 400},
    {ErrorCode::no_such_upload, "no_such_upload", 404},
    {ErrorCode::parts_incomplete, "parts_incomplete", 409},
    {ErrorCode::storage_error, "storage_error", 502},
    {ErrorCode::object_not_found, "object_not_found", 404},
    {ErrorCode::content_mismatch, "content_mismatch", 422},
    {ErrorCode::verification_unavailable, "verification_unavailable", 503},
    {ErrorCode::internal_error, "internal_error", 500},
};
// A row for every code: none twice, as many as there are.
static_assert(each_value_once(kErrorCodes) && std::size(kErrorCodes) == kErrorCodeCount);

}  // namespace

std::string_view to_string(ErrorCode code) noexcept {
  const ErrorCodeRow* row = row_of(kErrorCodes, code);
  return row ? row->name : "internal_error";
}

int http_status(ErrorCode code) noexcept {
  const ErrorCodeRow* row = row_of(kErrorCodes, code);
  return row ? row->status : 400;
}

}  // namespace upgate::api
