// Strict parsing and allocation-free formatting of SigV4's time formats.
#include "upgate/sigv4/amz_time.hpp"

#include <cstdint>

namespace upgate::sigv4 {

namespace {

using namespace std::chrono;

// Reads exactly `n` ASCII digits; false on anything else.
bool read_digits(std::string_view text, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

std::optional<Timestamp> make_time(int y, int mo, int d, int h, int mi, int s) {
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  if (h > 23 || mi > 59 || s > 59) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
}

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void put4(char* p, int v) {
  // Years outside 0..9999 cannot be written in these formats; clamp rather
  // than print garbage (no real signing time is there).
  if (v < 0) v = 0;
  if (v > 9999) v = 9999;
  p[0] = static_cast<char>('0' + v / 1000);
  p[1] = static_cast<char>('0' + v / 100 % 10);
  p[2] = static_cast<char>('0' + v / 10 % 10);
  p[3] = static_cast<char>('0' + v % 10);
}

struct Civil {
  int year;
  unsigned month, day, hour, minute, second;
};

Civil split(Timestamp t) {
  const auto days = floor<std::chrono::days>(t);
  const year_month_day ymd{days};
  const hh_mm_ss<seconds> hms{t - days};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(hms.hours().count()),
          static_cast<unsigned>(hms.minutes().count()),
          static_cast<unsigned>(hms.seconds().count())};
}

}  // namespace

std::optional<Timestamp> parse_amz_date(std::string_view text) {
  // YYYYMMDDTHHMMSSZ
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  int y, mo, d, h, mi, s;
  if (!read_digits(text, 0, 4, y) || !read_digits(text, 4, 2, mo) || !read_digits(text, 6, 2, d) ||
      !read_digits(text, 9, 2, h) || !read_digits(text, 11, 2, mi) ||
      !read_digits(text, 13, 2, s)) {
    return std::nullopt;
  }
  return make_time(y, mo, d, h, mi, s);
}

std::optional<Timestamp> parse_iso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z; the fraction is read and dropped.
  if (text.size() < 20 || text.size() > 30) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  int y, mo, d, h, mi, s;
  if (!read_digits(text, 0, 4, y) || !read_digits(text, 5, 2, mo) || !read_digits(text, 8, 2, d) ||
      !read_digits(text, 11, 2, h) || !read_digits(text, 14, 2, mi) ||
      !read_digits(text, 17, 2, s)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (text[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == first) return std::nullopt;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
  return make_time(y, mo, d, h, mi, s);
}

std::array<char, 16> format_amz_date(Timestamp t) {
  // A busy presigner signs thousands of URLs within one second: each thread
  // keeps the last time it formatted.
  thread_local Timestamp last = Timestamp::min();
  thread_local std::array<char, 16> last_text{};
  if (t == last) return last_text;
  const Civil c = split(t);
  std::array<char, 16>& out = last_text;
  last = t;
  put4(out.data(), c.year);
  put2(out.data() + 4, c.month);
  put2(out.data() + 6, c.day);
  out[8] = 'T';
  put2(out.data() + 9, c.hour);
  put2(out.data() + 11, c.minute);
  put2(out.data() + 13, c.second);
  out[15] = 'Z';
  return out;
}

std::array<char, 8> format_scope_date(Timestamp t) {
  const Civil c = split(t);
  std::array<char, 8> out;
  put4(out.data(), c.year);
  put2(out.data() + 4, c.month);
  put2(out.data() + 6, c.day);
  return out;
}

std::string format_iso8601(Timestamp t) {
  const Civil c = split(t);
  std::string out(24, '0');
  put4(out.data(), c.year);
  out[4] = '-';
  put2(out.data() + 5, c.month);
  out[7] = '-';
  put2(out.data() + 8, c.day);
  out[10] = 'T';
  put2(out.data() + 11, c.hour);
  out[13] = ':';
  put2(out.data() + 14, c.minute);
  out[16] = ':';
  put2(out.data() + 17, c.second);
  out.replace(19, 5, ".000Z");
  return out;
}

}  // namespace upgate::sigv4
