// Folder names: the first segments of every key a profile issues.
//
// A folder is 1-8 segments joined by '/', each 1-64 bytes of [A-Za-z0-9._-], none of them
// `.` or `..`, no leading or trailing '/', at most 256 bytes. Browsers and S3 tools treat
// such names the same everywhere (no percent-encoding surprises, no dot-segment removal).
#pragma once

#include <string_view>

#include "upgate/api/api_error.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

inline constexpr std::size_t kMaxFolderBytes = 256;

// `field` is the request field the folder came from, for the error.
Expected<void, ApiError> check_folder_name(std::string_view folder, std::string_view field);

}  // namespace upgate::api
