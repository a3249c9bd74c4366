// Time as SigV4 writes it: `YYYYMMDDTHHMMSSZ` (X-Amz-Date), `YYYYMMDD` (the
// credential scope's date) and ISO 8601 with milliseconds (POST policy
// expiration, S3 XML). Parsers are strict: exact length, digits only, real
// calendar dates, UTC only.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::sigv4 {

using Timestamp = std::chrono::sys_seconds;

std::optional<Timestamp> parse_amz_date(std::string_view text);  // 20130524T000000Z
std::optional<Timestamp> parse_iso8601(std::string_view text);   // 2013-05-24T00:00:00[.000]Z

// Fixed-size results: formatting sits on the presign hot path.
std::array<char, 16> format_amz_date(Timestamp t);   // 20130524T000000Z
std::array<char, 8> format_scope_date(Timestamp t);  // 20130524
std::string format_iso8601(Timestamp t);             // 2013-05-24T00:00:00.000Z

inline std::string_view view(const std::array<char, 16>& a) {
  return {a.data(), a.size()};
}
inline std::string_view view(const std::array<char, 8>& a) {
  return {a.data(), a.size()};
}

}  // namespace upgate::sigv4
