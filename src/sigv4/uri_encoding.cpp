// AWS's RFC 3986 percent-encoding, strict decoding and canonical URIs.
#include "upgate/sigv4/uri_encoding.hpp"

#include <vector>

#include "string_writer.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

// RFC 3986 remove_dot_segments plus merging of empty segments, on the path as
// sent: "//a/./b/../c/" becomes "/a/c/".
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const std::size_t slash = path.find('/', pos);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view segment = path.substr(pos, end - pos);
    const bool last = slash == std::string_view::npos;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else if (segment == ".") {
      trailing_slash = last;
    } else if (segment.empty()) {
      trailing_slash = last;
    } else {
      segments.push_back(segment);
      trailing_slash = false;
    }
    if (last) break;
    pos = end + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  if (trailing_slash && !segments.empty()) out.push_back('/');
  return out;
}

}  // namespace

void append_uri_encoded(std::string& out, std::string_view bytes, bool encode_slash) {
  StringWriter(out, 3 * bytes.size()).put_uri_encoded(bytes, encode_slash);
}

std::string uri_encode(std::string_view bytes, bool encode_slash) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  append_uri_encoded(out, bytes, encode_slash);
  return out;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  // Decoding never lengthens: write through a pointer into a buffer of the
  // input's size, then trim. (Verification decodes every path and parameter.)
  std::string out(text.size(), '\0');
  char* o = out.data();
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char c = *p;
    if (c == '%') {
      if (end - p < 3) return std::nullopt;
      const int hi = text::hex_value(p[1]);
      const int lo = text::hex_value(p[2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      *o++ = static_cast<char>(hi * 16 + lo);
      p += 3;
    } else {
      *o++ = (c == '+' && plus_as_space) ? ' ' : c;
      ++p;
    }
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

std::optional<std::string> canonical_uri(std::string_view wire_path, CanonicalUriOptions options) {
  if (wire_path.empty()) return std::string("/");
  std::string out;
  if (options.double_encode) {
    // Generic SigV4: the path as sent (already encoded) is encoded again, so
    // "%20" becomes "%2520". A malformed escape is still refused.
    if (!percent_decode(wire_path)) return std::nullopt;
    const std::string path = options.normalize ? normalize_path(wire_path) : std::string(wire_path);
    out.reserve(path.size() + path.size() / 2);
    append_uri_encoded(out, path, /*encode_slash=*/false);
    return out;
  }
  // S3: decode what the client encoded and encode it once, canonically.
  auto decoded = percent_decode(wire_path);
  if (!decoded) return std::nullopt;
  if (options.normalize) *decoded = normalize_path(*decoded);
  out.reserve(decoded->size() + decoded->size() / 2);
  append_uri_encoded(out, *decoded, /*encode_slash=*/false);
  return out;
}

}  // namespace upgate::sigv4
