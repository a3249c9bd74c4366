// upgate::api::UploadIntent: what an API request asks for, in the words authentication
// and the audit line use: the route, the profile (or folder) it names, and the file's
// declared name, type and size, or the key of a download.
//
// The intent is read from the request before anyone is asked who sent it, because the
// answer may depend on it: the profile decides whether authentication is required, an
// API key may be limited to some profiles, and the forward-auth hook is sent the intent
// to judge. It holds the client's values as sent (bounded by the request parsers), so it
// is never used to build a key or a header; plan_upload() does that from the request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::api {

// The API routes that issue URLs. Routes added later (multipart, completion) extend it.
enum class ApiRoute : std::uint8_t {
  seed,        // POST /api/s3/getPresignedUrl
  uploads,     // POST /v1/uploads
  downloads,   // GET /v1/downloads
  multipart,   // POST /v1/multipart[/sign|/list|/complete|/abort]
  uppy,        // the Uppy companion routes under /s3/ (uppy_routes.hpp)
  sessions,    // POST /v1/sessions: an upload session for the caller (session_token.hpp)
  completion,  // POST /v1/uploads/complete
};

// "seed", "uploads", "downloads", ...: the names audit lines, metrics and the hook use.
std::string_view to_string(ApiRoute route) noexcept;

struct UploadIntent {
  ApiRoute route = ApiRoute::seed;
  std::string profile;             // as requested (folderName or profile); empty for downloads
  std::string_view profile_field;  // the request field that named it, for errors
  std::string file_name;
  std::string content_type;
  std::optional<std::uint64_t> size;
  std::string key;  // downloads
};

struct UploadRequest;

// The intent of a single or multipart upload request: its profile (named in the request
// by `profile_field`), the file's name, type and size.
UploadIntent upload_intent(ApiRoute route, const UploadRequest& request,
                           std::string_view profile_field);

}  // namespace upgate::api
