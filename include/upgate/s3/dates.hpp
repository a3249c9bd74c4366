// upgate::s3 dates: the two timestamp forms S3 speaks.
//  - HTTP-date (RFC 7231 section 7.1.1.1) in Last-Modified, Date, If-Modified-Since
//    and If-Unmodified-Since. Parsing accepts all three forms a recipient must
//    accept: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), obsolete RFC 850
//    ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
//    Formatting always produces IMF-fixdate.
//  - ISO 8601 with milliseconds and Z ("2009-10-12T17:50:30.000Z") in XML bodies.
//
// Promises: parsing is strict about shape (exact separators, names, field
// ranges, a real calendar day) and never reads past its input; anything else
// is nullopt. Inputs longer than 64 bytes are refused without scanning them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::s3 {

using Seconds = std::chrono::sys_seconds;

// `now` resolves RFC 850's two-digit years: a year that would be more than 50
// years in the future is taken as the most recent past year with those digits
// (RFC 7231 section 7.1.1.1).
std::optional<Seconds> parse_http_date(std::string_view text, Seconds now);
std::optional<Seconds> parse_http_date(std::string_view text);  // now = the system clock

std::string format_http_date(Seconds time);

// "YYYY-MM-DDTHH:MM:SS.mmmZ", milliseconds truncated from `time`.
std::string format_iso8601_ms(std::chrono::system_clock::time_point time);

}  // namespace upgate::s3
