// JSON strings (RFC 8259) written by hand, for the places that build JSON without a DOM:
// the API's response bodies and log lines (hot paths, where a DOM would cost allocations
// per field) and the POST policy documents the sigv4 library writes. Header-only and free
// of dependencies but text.hpp, so the stand-alone sigv4 library uses it too.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "upgate/text.hpp"

namespace upgate {

enum class JsonEscapes : unsigned char {
  // Every C0 control and DEL escaped, \b and \f as \u0008 and \u000c: no value can break
  // a log line.
  kLogSafe,
  // The shortest valid JSON, as Python's json.dumps writes ASCII: \b and \f short, DEL as
  // it is.
  kShortest,
};

namespace detail {
// The letter after '\' of a two-character escape, or 0.
inline constexpr auto kJsonShortEscape = [] {
  std::array<char, 256> table{};
  table['"'] = '"';
  table['\\'] = '\\';
  table['\b'] = 'b';
  table['\f'] = 'f';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  return table;
}();
}  // namespace detail

// Appends `s` as a quoted JSON string. Bytes of 0x80 and above pass as they are (callers
// hand in UTF-8).
inline void append_json_string(std::string& out, std::string_view s, JsonEscapes escapes) {
  const bool log_safe = escapes == JsonEscapes::kLogSafe;
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  // Runs of plain bytes are appended at once; almost every value is one run.
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != '"' && u != '\\' && (u != 0x7f || !log_safe)) continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    const char letter = detail::kJsonShortEscape[u];
    if (letter != 0 && !(log_safe && (u == '\b' || u == '\f'))) {
      out += '\\';
      out += letter;
    } else {
      out += "\\u00";
      out += text::kHexLower[u >> 4];
      out += text::kHexLower[u & 0xF];
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

}  // namespace upgate
