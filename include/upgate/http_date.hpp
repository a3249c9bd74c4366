// upgate::http_date: HTTP-date (RFC 7231 section 7.1.1.1), the time of the Date header
// (which SigV4 accepts in place of X-Amz-Date) and of S3's Last-Modified, If-Modified-Since and
// If-Unmodified-Since. Parsing accepts all three forms a recipient must accept:
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), obsolete RFC 850
// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
// Formatting always produces IMF-fixdate.
//
// Promises: parsing is strict about shape (exact separators, names, field ranges, a real
// calendar day) and never reads past its input; anything else is nullopt. Inputs longer
// than 64 bytes are refused without scanning them.
// Header-only and shared by every part (sigv4 reads a signed Date with it, s3 the
// conditional headers), like http_token.hpp.
#pragma once

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/text.hpp"

namespace upgate::http_date {

using Timestamp = std::chrono::sys_seconds;

namespace detail {

using namespace std::chrono;

inline constexpr std::array<std::string_view, 7> kShortDays = {"Sun", "Mon", "Tue", "Wed",
                                                               "Thu", "Fri", "Sat"};
inline constexpr std::array<std::string_view, 7> kLongDays = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
inline constexpr std::array<std::string_view, 12> kMonths = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A small cursor over the input: every read checks the bound.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool literal(std::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }
  // Exactly `count` ASCII digits.
  bool digits(int count, int& value) {
    value = 0;
    for (int i = 0; i < count; ++i) {
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') return false;
      value = value * 10 + (text_[pos_++] - '0');
    }
    return true;
  }
  template <std::size_t N>
  bool one_of(const std::array<std::string_view, N>& names, int& index) {
    for (std::size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool at_end() const { return pos_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

inline std::optional<Timestamp> assemble(int year, int month_index, int day, int hour, int minute,
                                         int second) {
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const year_month_day date{std::chrono::year{year},
                            std::chrono::month{static_cast<unsigned>(month_index + 1)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
}

inline bool time_of_day(Cursor& c, int& hour, int& minute, int& second) {
  return c.digits(2, hour) && c.literal(":") && c.digits(2, minute) && c.literal(":") &&
         c.digits(2, second);
}

// Sun, 06 Nov 1994 08:49:37 GMT
inline std::optional<Timestamp> parse_imf_fixdate(std::string_view text) {
  Cursor c(text);
  int wday, day, month, year, hour, minute, second;
  if (!c.one_of(kShortDays, wday) || !c.literal(", ") || !c.digits(2, day) || !c.literal(" ") ||
      !c.one_of(kMonths, month) || !c.literal(" ") || !c.digits(4, year) || !c.literal(" ") ||
      !time_of_day(c, hour, minute, second) || !c.literal(" GMT") || !c.at_end()) {
    return std::nullopt;
  }
  return assemble(year, month, day, hour, minute, second);
}

// Sunday, 06-Nov-94 08:49:37 GMT
inline std::optional<Timestamp> parse_rfc850(std::string_view text, Timestamp now) {
  Cursor c(text);
  int wday, day, month, yy, hour, minute, second;
  if (!c.one_of(kLongDays, wday) || !c.literal(", ") || !c.digits(2, day) || !c.literal("-") ||
      !c.one_of(kMonths, month) || !c.literal("-") || !c.digits(2, yy) || !c.literal(" ") ||
      !time_of_day(c, hour, minute, second) || !c.literal(" GMT") || !c.at_end()) {
    return std::nullopt;
  }
  const int current_year = static_cast<int>(year_month_day{floor<days>(now)}.year());
  int year = current_year - current_year % 100 + yy;
  if (year > current_year + 50) year -= 100;
  return assemble(year, month, day, hour, minute, second);
}

// Sun Nov  6 08:49:37 1994  (day of month is space padded)
inline std::optional<Timestamp> parse_asctime(std::string_view text) {
  Cursor c(text);
  int wday, month, day, year, hour, minute, second;
  if (!c.one_of(kShortDays, wday) || !c.literal(" ") || !c.one_of(kMonths, month) ||
      !c.literal(" ")) {
    return std::nullopt;
  }
  if (c.literal(" ")) {
    if (!c.digits(1, day)) return std::nullopt;
  } else if (!c.digits(2, day)) {
    return std::nullopt;
  }
  if (!c.literal(" ") || !time_of_day(c, hour, minute, second) || !c.literal(" ") ||
      !c.digits(4, year) || !c.at_end()) {
    return std::nullopt;
  }
  return assemble(year, month, day, hour, minute, second);
}

}  // namespace detail

// `now` resolves RFC 850's two-digit years: a year that would be more than 50 years in
// the future is taken as the most recent past year with those digits.
inline std::optional<Timestamp> parse(std::string_view text, Timestamp now) {
  if (text.size() > 64) return std::nullopt;
  text = text::trim(text);
  if (auto t = detail::parse_imf_fixdate(text)) return t;
  if (auto t = detail::parse_rfc850(text, now)) return t;
  return detail::parse_asctime(text);
}

// now = the system clock.
inline std::optional<Timestamp> parse(std::string_view text) {
  return parse(text, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

// Always IMF-fixdate.
inline std::string format(Timestamp time) {
  using namespace std::chrono;
  const sys_days day_point = floor<days>(time);
  const year_month_day date{day_point};
  const hh_mm_ss tod{time - day_point};
  const weekday wd{day_point};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                detail::kShortDays[wd.c_encoding()].data(), static_cast<unsigned>(date.day()),
                detail::kMonths[static_cast<unsigned>(date.month()) - 1].data(),
                static_cast<int>(date.year()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()));
  return buf;
}

}  // namespace upgate::http_date
