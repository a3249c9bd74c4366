// The stable error codes and their HTTP statuses.
#include "upgate/api/api_error.hpp"

namespace upgate::api {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_json:
      return "invalid_json";
    case ErrorCode::not_an_object:
      return "not_an_object";
    case ErrorCode::body_too_large:
      return "body_too_large";
    case ErrorCode::unsupported_media_type:
      return "unsupported_media_type";
    case ErrorCode::missing_field:
      return "missing_field";
    case ErrorCode::wrong_type:
      return "wrong_type";
    case ErrorCode::invalid_size:
      return "invalid_size";
    case ErrorCode::file_too_large:
      return "file_too_large";
    case ErrorCode::invalid_file_name:
      return "invalid_file_name";
    case ErrorCode::invalid_content_type:
      return "invalid_content_type";
    case ErrorCode::content_type_not_allowed:
      return "content_type_not_allowed";
    case ErrorCode::extension_not_allowed:
      return "extension_not_allowed";
    case ErrorCode::invalid_folder:
      return "invalid_folder";
    case ErrorCode::unknown_profile:
      return "unknown_profile";
    case ErrorCode::invalid_checksum:
      return "invalid_checksum";
    case ErrorCode::invalid_metadata:
      return "invalid_metadata";
    case ErrorCode::invalid_key:
      return "invalid_key";
    case ErrorCode::downloads_disabled:
      return "downloads_disabled";
    case ErrorCode::folder_reserved:
      return "folder_reserved";
    case ErrorCode::origin_not_allowed:
      return "origin_not_allowed";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::quota_exceeded:
      return "quota_exceeded";
    case ErrorCode::too_many_open_uploads:
      return "too_many_open_uploads";
    case ErrorCode::limits_unavailable:
      return "limits_unavailable";
    case ErrorCode::too_many_connections:
      return "too_many_connections";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::method_not_allowed:
      return "method_not_allowed";
    case ErrorCode::credentials_unavailable:
      return "credentials_unavailable";
    case ErrorCode::authentication_required:
      return "authentication_required";
    case ErrorCode::invalid_credentials:
      return "invalid_credentials";
    case ErrorCode::access_denied:
      return "access_denied";
    case ErrorCode::auth_unavailable:
      return "auth_unavailable";
    case ErrorCode::upload_token_refused:
      return "upload_token_refused";
    case ErrorCode::invalid_part_number:
      return "invalid_part_number";
    case ErrorCode::no_such_upload:
      return "no_such_upload";
    case ErrorCode::parts_incomplete:
      return "parts_incomplete";
    case ErrorCode::storage_error:
      return "storage_error";
    case ErrorCode::object_not_found:
      return "object_not_found";
    case ErrorCode::content_mismatch:
      return "content_mismatch";
    case ErrorCode::verification_unavailable:
      return "verification_unavailable";
    case ErrorCode::internal_error:
      return "internal_error";
  }
  return "internal_error";
}

int http_status(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::body_too_large:
      return 413;
    case ErrorCode::unsupported_media_type:
      return 415;
    case ErrorCode::authentication_required:
    case ErrorCode::invalid_credentials:
      return 401;
    case ErrorCode::rate_limited:
    case ErrorCode::quota_exceeded:
    case ErrorCode::too_many_open_uploads:
      return 429;
    case ErrorCode::limits_unavailable:
    case ErrorCode::too_many_connections:
      return 503;
    case ErrorCode::downloads_disabled:
    case ErrorCode::folder_reserved:
    case ErrorCode::origin_not_allowed:
    case ErrorCode::access_denied:
    case ErrorCode::upload_token_refused:
      return 403;
    case ErrorCode::not_found:
    case ErrorCode::no_such_upload:
    case ErrorCode::object_not_found:
      return 404;
    case ErrorCode::content_mismatch:
      return 422;
    case ErrorCode::parts_incomplete:
      return 409;
    case ErrorCode::storage_error:
      return 502;
    case ErrorCode::method_not_allowed:
      return 405;
    case ErrorCode::credentials_unavailable:
    case ErrorCode::auth_unavailable:
    case ErrorCode::verification_unavailable:
      return 503;
    case ErrorCode::internal_error:
      return 500;
    default:
      return 400;
  }
}

}  // namespace upgate::api
