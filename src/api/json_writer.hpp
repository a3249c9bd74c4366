// Appending JSON to a string by hand: the response bodies and log lines of the API are
// small, flat and built on the hot path, where a DOM would cost allocations per field.
// Strings are escaped per RFC 8259; bytes that are not valid UTF-8 never reach here
// (request strings come from Boost.JSON's validating parser, the rest is ours), but
// control characters are always escaped, so no value can break a log line.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "upgate/json_string.hpp"

namespace upgate::api::json_out {

inline void append_escaped(std::string& out, std::string_view s) {
  append_json_string(out, s, JsonEscapes::kLogSafe);
}

inline void append_uint(std::string& out, std::uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// An optional string field of a hand-written line: `key` (`,"name":`, written as a literal
// so the hot path escapes no name) and the escaped value, or nothing when the value is empty.
inline void append_if_set(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += key;
  append_escaped(out, value);
}

// `"2025-01-31T12:34:56.789Z"` (RFC 3339 UTC, milliseconds, quoted), as every log line's
// "ts"; defined in json_log.cpp.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point now);

// The start of every JSON log line, `{"ts":…,"level":LEVEL,"msg":MSG`; the caller appends
// its fields and the closing brace.
inline void begin_log_line(std::string& out, std::chrono::system_clock::time_point now,
                           std::string_view level, std::string_view msg) {
  out += "{\"ts\":";
  append_timestamp(out, now);
  out += ",\"level\":";
  append_escaped(out, level);
  out += ",\"msg\":";
  append_escaped(out, msg);
}

// The start of a line about one API request (the access and audit lines): an info line
// whose first field is the request id.
inline void begin_request_log_line(std::string& out, std::chrono::system_clock::time_point now,
                                   std::string_view msg, std::string_view request_id) {
  begin_log_line(out, now, "info", msg);
  out += ",\"request_id\":";
  append_escaped(out, request_id);
}

// `"name":"value"` with a leading comma unless first.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ObjectWriter& string(std::string_view name, std::string_view value) {
    key(name);
    append_escaped(out_, value);
    return *this;
  }
  ObjectWriter& number(std::string_view name, std::uint64_t value) {
    key(name);
    append_uint(out_, value);
    return *this;
  }
  ObjectWriter& boolean(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
    return *this;
  }
  // Raw JSON text (a nested object written by another writer).
  ObjectWriter& raw(std::string_view name, std::string_view json) {
    key(name);
    out_ += json;
    return *this;
  }
  // Starts a nested value: the caller writes it right after.
  std::string& nested(std::string_view name) {
    key(name);
    return out_;
  }
  void close() { out_ += '}'; }

 private:
  void key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    append_escaped(out_, name);
    out_ += ':';
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace upgate::api::json_out
