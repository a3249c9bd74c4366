// Test-only reader of the SigV4 suites' request files (request.txt, .req,
// *-signed-request.txt): a request line, `Name:value` header lines, indented
// continuation lines folded into the previous value, an empty line, a body.
// Header names may repeat; order is kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/sigv4/request.hpp"

namespace upgate::sigv4::testing {

struct RequestFile {
  std::string method;
  std::string target;  // as written: may hold raw spaces and UTF-8
  std::vector<Header> headers;
  std::string body;

  // A view over this object's strings; valid while it lives and is not modified.
  RequestView view() const;
  const std::string* header(std::string_view lower_name) const;  // first match, any case

 private:
  mutable std::vector<HeaderView> views_;
};

std::optional<RequestFile> parse_request_file(std::string_view text);
std::optional<std::string> read_file(const std::string& path);

}  // namespace upgate::sigv4::testing
