// The two upload request bodies, parsed from JSON as hostile input.
//
// parse_json_object() parses at most kMaxRequestBodyBytes with Boost.JSON (strict UTF-8,
// depth at most 8) and insists on an object. The readers then take the fields:
//
//   seed route  {fileName, fileType, fileSize, folderName}: a field that is absent, null,
//               "" or 0 is `missing_field` (the seed's `!field` test), a field of another
//               JSON type is `wrong_type`.
//   /v1/uploads {profile | folderName, fileName, contentType, size, sha256?, metadata?}.
//
// Sizes must be JSON integers (or integral numbers written with a fraction or exponent),
// 1..5 TiB; strings, fractions, negatives are refused. Fields not listed are ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>

#include "upgate/api/api_error.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

inline constexpr std::size_t kMaxRequestBodyBytes = 16 * 1024;
inline constexpr std::size_t kMaxMetadataBytes = 2048;  // S3's user-metadata limit

struct UploadRequest {
  std::string profile;  // folderName or profile
  std::string file_name;
  std::string content_type;
  std::uint64_t size = 0;
  std::string sha256_base64;                                  // empty when not given
  std::vector<std::pair<std::string, std::string>> metadata;  // lower-case names
};

// `storage`: where the parsed values live (a monotonic_resource on the handler's stack
// makes parsing allocation-free); the default is the heap.
Expected<boost::json::object, ApiError> parse_json_object(std::string_view body,
                                                          boost::json::storage_ptr storage = {});

Expected<UploadRequest, ApiError> read_seed_request(const boost::json::object& body);
Expected<UploadRequest, ApiError> read_v1_request(const boost::json::object& body);

}  // namespace upgate::api
