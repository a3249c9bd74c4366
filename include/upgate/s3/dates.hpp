// upgate::s3 dates: the two timestamp forms S3 speaks.
//  - HTTP-date in Last-Modified, Date, If-Modified-Since and If-Unmodified-Since: the
//    shared parser and formatter (upgate/http_date.hpp; SigV4 reads a signed Date with it).
//  - ISO 8601 with milliseconds and Z ("2009-10-12T17:50:30.000Z") in XML bodies.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/http_date.hpp"

namespace upgate::s3 {

using Seconds = std::chrono::sys_seconds;

inline std::optional<Seconds> parse_http_date(std::string_view text, Seconds now) {
  return http_date::parse(text, now);
}
inline std::optional<Seconds> parse_http_date(std::string_view text) {
  return http_date::parse(text);
}
inline std::string format_http_date(Seconds time) {
  return http_date::format(time);
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ", milliseconds truncated from `time`.
std::string format_iso8601_ms(std::chrono::system_clock::time_point time);

}  // namespace upgate::s3
