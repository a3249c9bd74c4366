// The view of an HTTP request that signing and verification read. Nothing is
// owned: the caller's buffers (Beast's parser, a test file) stay where they are.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace upgate::sigv4 {

struct HeaderView {
  std::string_view name;  // any case, as received
  std::string_view value;
};

struct RequestView {
  std::string_view method;  // "GET", "PUT", ...
  std::string_view target;  // raw request target as sent: "/bucket/a%20b?x-id=1&y"
  std::span<const HeaderView> headers;
};

// An owning header, for results handed back to callers (the headers a client
// must send with a presigned URL).
struct Header {
  std::string name;
  std::string value;
  friend bool operator==(const Header&, const Header&) = default;
};

// A query parameter, decoded. Presign requests take extra ones (partNumber,
// uploadId, response-content-disposition, ...).
struct QueryParamView {
  std::string_view name;
  std::string_view value;
};

}  // namespace upgate::sigv4
