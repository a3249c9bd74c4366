// SigV4's URI encoding rules.
//
// Encoding is RFC 3986 with AWS's reading: the unreserved bytes
// `A-Z a-z 0-9 - _ . ~` stay, every other byte (UTF-8 first) becomes `%XX` with
// uppercase hex. Paths keep `/`; query names and values encode it.
//
// S3 encodes the (decoded) path once and never normalises it: `a//b/../c` is a
// key of its own. Other services normalise the path (remove `.` and `..`
// segments, merge repeated `/`) and encode the already-encoded path a second
// time. CanonicalUriOptions picks one; the defaults are S3's.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::sigv4 {

namespace detail {
constexpr std::array<bool, 256> make_unreserved_table(bool keep_slash) {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  t['-'] = t['_'] = t['.'] = t['~'] = true;
  t['/'] = keep_slash;
  return t;
}
inline constexpr std::array<bool, 256> kUnreserved = make_unreserved_table(false);
inline constexpr std::array<bool, 256> kUnreservedOrSlash = make_unreserved_table(true);
}  // namespace detail

// Whether a byte stays as it is: the unreserved bytes, and `/` unless encode_slash.
constexpr bool stays_unencoded(char c, bool encode_slash) noexcept {
  return (encode_slash ? detail::kUnreserved
                       : detail::kUnreservedOrSlash)[static_cast<unsigned char>(c)];
}

void append_uri_encoded(std::string& out, std::string_view bytes, bool encode_slash);
std::string uri_encode(std::string_view bytes, bool encode_slash = true);

// Percent-decoding that refuses malformed escapes (`%`, `%4`, `%zz`) instead of
// passing them through. With plus_as_space, `+` decodes to a space, as in query
// strings.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

struct CanonicalUriOptions {
  bool normalize = false;      // remove dot segments and merge `//` (not S3)
  bool double_encode = false;  // encode the path as sent once more (not S3)
};

// The canonical URI of a request path as sent on the wire (still
// percent-encoded, no query). Empty paths become "/". nullopt when the path
// holds a malformed escape.
std::optional<std::string> canonical_uri(std::string_view wire_path,
                                         CanonicalUriOptions options = {});

}  // namespace upgate::sigv4
