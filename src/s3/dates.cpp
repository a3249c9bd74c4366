#include "upgate/s3/dates.hpp"

#include <array>
#include <cstdio>

#include "upgate/text.hpp"

namespace upgate::s3 {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 7> kShortDays = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

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

std::optional<Seconds> assemble(int year, int month_index, int day, int hour, int minute,
                                int second) {
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const year_month_day date{std::chrono::year{year},
                            std::chrono::month{static_cast<unsigned>(month_index + 1)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
}

bool time_of_day(Cursor& c, int& hour, int& minute, int& second) {
  return c.digits(2, hour) && c.literal(":") && c.digits(2, minute) && c.literal(":") &&
         c.digits(2, second);
}

// Sun, 06 Nov 1994 08:49:37 GMT
std::optional<Seconds> parse_imf_fixdate(std::string_view text) {
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
std::optional<Seconds> parse_rfc850(std::string_view text, Seconds now) {
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
std::optional<Seconds> parse_asctime(std::string_view text) {
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

}  // namespace

std::optional<Seconds> parse_http_date(std::string_view text, Seconds now) {
  if (text.size() > 64) return std::nullopt;
  text = text::trim(text);
  if (auto t = parse_imf_fixdate(text)) return t;
  if (auto t = parse_rfc850(text, now)) return t;
  return parse_asctime(text);
}

std::optional<Seconds> parse_http_date(std::string_view text) {
  return parse_http_date(text, floor<seconds>(system_clock::now()));
}

std::string format_http_date(Seconds time) {
  const sys_days day_point = floor<days>(time);
  const year_month_day date{day_point};
  const hh_mm_ss tod{time - day_point};
  const weekday wd{day_point};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kShortDays[wd.c_encoding()].data(), static_cast<unsigned>(date.day()),
                kMonths[static_cast<unsigned>(date.month()) - 1].data(),
                static_cast<int>(date.year()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()));
  return buf;
}

std::string format_iso8601_ms(system_clock::time_point time) {
  const auto ms = floor<milliseconds>(time);
  const sys_days day_point = floor<days>(ms);
  const year_month_day date{day_point};
  const hh_mm_ss tod{ms - day_point};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
                static_cast<int>(tod.subseconds().count()));
  return buf;
}

}  // namespace upgate::s3
