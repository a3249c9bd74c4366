#include "http_date.hpp"

#include <cstdio>
#include <ctime>

namespace upgate::http::detail {

std::string_view http_date_now() noexcept {
  struct Cache {
    std::time_t second = -1;
    char text[40] = {};
    int size = 0;
  };
  // Day and month names spelled out here: strftime's %a/%b follow the locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local Cache cache;
  const std::time_t now = std::time(nullptr);
  if (now != cache.second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    cache.size = std::snprintf(cache.text, sizeof cache.text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                               kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                               tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cache.second = now;
  }
  return {cache.text, static_cast<std::size_t>(cache.size)};
}

}  // namespace upgate::http::detail
