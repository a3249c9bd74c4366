// One line of the embedded store's access log: what the S3 front reports for every
// request it answered, for the program to format (`upgate store`, `upgate serve`).
//
// Views are valid only during the callback; none of them holds a secret (the query,
// where presigned signatures live, is never passed).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace upgate::store {

struct AccessLogEntry {
  std::string_view request_id;
  std::string_view remote;
  std::string_view method;
  std::string_view operation;  // "PutObject", or "" when none was decided
  std::string_view bucket;
  std::string_view key;
  std::string_view access_key_id;  // "" for anonymous requests
  int status = 0;
  std::string_view error_code;  // S3 error code, "" on success
  std::string_view reason;      // why, for the operator (S3Error::reason)
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::chrono::nanoseconds duration{};
};

}  // namespace upgate::store
