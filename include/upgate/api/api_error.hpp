// upgate::api::ApiError: why the upload API refused a request, with a stable code.
//
// The codes are part of the API (docs/API.md lists them with their statuses): clients
// branch on `code`, show `message`, and highlight `field`. Renaming one is a breaking
// change. Messages never hold a secret and never echo more than a short, sanitised
// excerpt of the client's input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"

namespace upgate::api {

enum class ErrorCode : std::uint8_t {
  invalid_json,              // 400 the body is not JSON (or not UTF-8)
  not_an_object,             // 400 the JSON is not an object
  body_too_large,            // 413 the body is over 16 KiB
  unsupported_media_type,    // 415 Content-Type is not application/json
  missing_field,             // 400 a required field is absent, null or empty
  wrong_type,                // 400 a field has the wrong JSON type
  invalid_size,              // 400 size is 0, negative, fractional or over 5 TiB
  file_too_large,            // 400 size is over the profile's limit
  invalid_file_name,         // 400 nothing usable is left of the name after sanitising
  invalid_content_type,      // 400 not a `type/subtype` media type
  content_type_not_allowed,  // 400 the profile does not accept this type
  extension_not_allowed,     // 400 the profile does not accept this extension
  invalid_folder,            // 400 folder name with '..', a leading '/', or unsafe bytes
  unknown_profile,           // 400 no profile (or folder) of that name
  invalid_checksum,          // 400 sha256 is not base64 of 32 bytes
  invalid_metadata,          // 400 metadata is not a small object of safe strings
  invalid_key,               // 400 a download key that is not a key upgate would issue
  downloads_disabled,        // 403 the key's profile does not allow downloads
  folder_reserved,           // 403 a folder that is (or is under) a named profile's folder
  origin_not_allowed,        // 403 a CORS preflight from an origin not configured
  rate_limited,              // 429 a rate limit (the message names it; Retry-After says when)
  quota_exceeded,            // 429 the bytes signed in the quota's window would pass it
  too_many_open_uploads,     // 429 the caller holds max_open_uploads unexpired upload URLs
  limits_unavailable,        // 503 the shared limit store (Redis) could not be asked
  too_many_connections,      // 503 the connection is over the server's connection caps
  not_found,                 // 404 no such route; no download for this key (for this caller)
  method_not_allowed,        // 405
  credentials_unavailable,   // 503 the server's AWS credentials expire too soon to sign
  authentication_required,   // 401 the profile needs a principal and none was presented
  invalid_credentials,       // 401 a token, API key or session was presented and not accepted
  access_denied,             // 403 an identity that may not do this (the message says which rule)
  auth_unavailable,          // 503 the keys to judge a token, or the auth hook, are unavailable
  upload_token_refused,      // 403 the upload token is malformed, altered, expired or another's
  invalid_part_number,       // 400 a part number outside 1..the upload's part count
  no_such_upload,            // 404 the multipart upload is not (or no longer) in the store
  parts_incomplete,          // 409 complete: the stored parts do not add up to the declared size
  storage_error,             // 502 the object store refused or did not answer; details in the log
  object_not_found,          // 404 complete: nothing at the upload's key (not uploaded yet)
  content_mismatch,          // 422 complete: the stored object is not what was declared
  verification_unavailable,  // 503 complete: libmagic or the event outbox is unavailable
  internal_error,            // 500 signing failed; details are in the log only
};
inline constexpr std::size_t kErrorCodeCount =
    static_cast<std::size_t>(ErrorCode::internal_error) + 1;

std::string_view to_string(ErrorCode code) noexcept;  // "missing_field"
int http_status(ErrorCode code) noexcept;

struct ApiError {
  ErrorCode code = ErrorCode::internal_error;
  std::string message;
  std::string field;  // the request field at fault, or empty
  // For authentication refusals, the check that failed ("expired", "hook_refused"): a
  // stable code a client may branch on (refresh an expired token), never a value.
  std::string reason;
};

inline ApiError make_error(ErrorCode code, std::string message, std::string field = {}) {
  return ApiError{code, std::move(message), std::move(field), {}};
}

// The same refusal as an Expected's error: `return fail(ErrorCode::missing_field, ...);`.
inline Unexpected<ApiError> fail(ErrorCode code, std::string message, std::string_view field = {}) {
  return Unexpected(make_error(code, std::move(message), std::string(field)));
}

}  // namespace upgate::api
