// What the fuzz targets share: the input as text, a request written as text, and the
// repository's test data (keys, certificates) that a target loads once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/sigv4/request.hpp"
#include "upgate/text.hpp"

namespace upgate::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first byte of an input, to pick one of `n` paths; removed from `input`.
inline unsigned take_choice(std::string_view& input, unsigned n) {
  if (input.empty()) return 0;
  const unsigned choice = static_cast<unsigned char>(input.front()) % n;
  input.remove_prefix(1);
  return choice;
}

// A request as the SigV4 test suites write one (tests/data/sigv4/*/*.req, *-signed-request.txt):
// "METHOD TARGET [HTTP/1.1]", then "Name:value" lines, an empty line, the body. A line
// without a colon is skipped; "\r\n" ends a line too.
struct RequestText {
  std::string_view method;
  std::string_view target = "/";
  std::vector<sigv4::HeaderView> headers;
  std::string_view body;

  // The first header of this name (any case), as http::Request::header answers.
  std::optional<std::string_view> header(std::string_view name) const {
    for (const auto& h : headers) {
      if (text::iequals(h.name, name)) return text::trim(h.value);
    }
    return std::nullopt;
  }
};

inline RequestText read_request_text(std::string_view input, std::size_t max_headers = 64) {
  RequestText out;
  bool first = true;
  while (!input.empty()) {
    const std::size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      first = false;
      const std::size_t space = line.find(' ');
      out.method = line.substr(0, space);
      if (space == std::string_view::npos) continue;
      std::string_view rest = line.substr(space + 1);
      if (const std::size_t version = rest.rfind(" HTTP/"); version != std::string_view::npos) {
        rest = rest.substr(0, version);
      }
      out.target = rest;
      continue;
    }
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (out.headers.size() < max_headers) {
      out.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
    }
  }
  out.body = input;
  return out;
}

// A file of the repository (tests/data/...), read once at start-up by a target.
inline std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(UPGATE_SOURCE_DIR) + "/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + relative);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace upgate::fuzz
