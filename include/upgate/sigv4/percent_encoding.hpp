// Percent-encoding (RFC 3986 section 2.1) over a grammar's own set of kept bytes: S3's
// EncodingType=url keys, RFC 8187's attr-char in Content-Disposition. SigV4's canonical
// encoding is uri_encoding.hpp, a faster writer over AWS's unreserved set.
#pragma once

#include <string>
#include <string_view>

namespace upgate::sigv4 {

// Appends `bytes` to `out`: a byte for which keep(byte) is true as itself, any other as
// %XX with upper-case hex digits.
template <class Keep>
void append_percent_encoded(std::string& out, std::string_view bytes, Keep keep) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
}

}  // namespace upgate::sigv4
