// The strict SigV4 time parsers and the fixed-size formatters.
#include "upgate/sigv4/amz_time.hpp"

#include <gtest/gtest.h>

namespace upgate::sigv4 {
namespace {

using namespace std::chrono;

Timestamp at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s};
}

TEST(AmzDate, ParsesAndFormats) {
  const auto t = parse_amz_date("20150830T123600Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, at(2015, 8, 30, 12, 36, 0));
  EXPECT_EQ(view(format_amz_date(*t)), "20150830T123600Z");
  EXPECT_EQ(view(format_scope_date(*t)), "20150830");
}

TEST(AmzDate, RoundTripsLeapDayAndEndOfDay) {
  for (auto t : {at(2024, 2, 29, 23, 59, 59), at(2000, 1, 1), at(1970, 1, 1), at(9999, 12, 31)}) {
    const auto text = format_amz_date(t);
    EXPECT_EQ(parse_amz_date(view(text)), t) << view(text);
  }
}

TEST(AmzDate, RejectsAnythingNotExact) {
  for (std::string_view bad :
       {"", "20150830T123600", "20150830T123600ZZ", "20150830t123600Z", "2015083OT123600Z",
        "20150830 123600Z", "20150230T000000Z", "20231301T000000Z", "20150830T240000Z",
        "20150830T126000Z", "20150830T123660Z", "20230229T000000Z", "+0150830T123600Z",
        "2015-08-30T12:36:00Z", "20150830T1236:0Z"}) {
    EXPECT_FALSE(parse_amz_date(bad)) << bad;
  }
}

TEST(Iso8601, ParsesWithAndWithoutFraction) {
  EXPECT_EQ(parse_iso8601("2013-05-24T00:00:00Z"), at(2013, 5, 24));
  EXPECT_EQ(parse_iso8601("2015-12-30T12:00:00.000Z"), at(2015, 12, 30, 12));
  EXPECT_EQ(parse_iso8601("2015-12-30T12:00:00.5Z"), at(2015, 12, 30, 12));
  EXPECT_EQ(format_iso8601(at(2015, 12, 30, 12, 1, 2)), "2015-12-30T12:01:02.000Z");
}

TEST(Iso8601, RejectsMalformed) {
  for (std::string_view bad :
       {"2013-05-24T00:00:00", "2013-05-24 00:00:00Z", "2013-05-24T00:00:00.Z",
        "2013-05-24T00:00:00+00:00", "2013-02-30T00:00:00Z", "2013-05-24T00:00:00.000ZZ",
        "2013/05/24T00:00:00Z", "13-05-24T00:00:00Z", "2013-05-24T00:00:00.1234567890123Z"}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

}  // namespace
}  // namespace upgate::sigv4
