// S3's ISO 8601 timestamps in XML bodies (HTTP-date is the shared upgate/http_date.hpp).
#include "upgate/s3/dates.hpp"

#include <cstdio>

namespace upgate::s3 {

using namespace std::chrono;

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
