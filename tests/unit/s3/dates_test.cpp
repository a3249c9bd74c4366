#include "upgate/s3/dates.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mutations.hpp"

namespace upgate::s3 {
namespace {

using namespace std::chrono;

// 1994-11-06T08:49:37Z, RFC 7231's example instant.
const Seconds kExample = sys_days{1994y / November / 6} + 8h + 49min + 37s;
const Seconds kDatesNow = sys_days{2026y / March / 1} + 12h;

TEST(DatesTest, ParsesAllThreeHttpDateForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", kDatesNow), kExample);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", kDatesNow), kExample);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994", kDatesNow), kExample);
  EXPECT_EQ(parse_http_date("Sun Nov 16 08:49:37 1994", kDatesNow), kExample + days{10});
  EXPECT_EQ(parse_http_date("  Sun, 06 Nov 1994 08:49:37 GMT\t", kDatesNow), kExample);
}

TEST(DatesTest, Rfc850TwoDigitYearsUseTheFiftyYearRule) {
  // Seen from 2026: 2030 is not more than 50 years ahead; 2077 is, so "77" is 1977;
  // 2076 is exactly 50 years ahead, so "76" stays 2076.
  EXPECT_EQ(parse_http_date("Friday, 01-Mar-30 00:00:00 GMT", kDatesNow),
            Seconds{sys_days{2030y / March / 1}});
  EXPECT_EQ(parse_http_date("Tuesday, 01-Mar-77 00:00:00 GMT", kDatesNow),
            Seconds{sys_days{1977y / March / 1}});
  EXPECT_EQ(parse_http_date("Sunday, 01-Mar-76 00:00:00 GMT", kDatesNow),
            Seconds{sys_days{2076y / March / 1}});
}

TEST(DatesTest, RefusesMalformedDates) {
  for (const char* bad : {
           "",
           "garbage",
           "Sun, 06 Nov 1994 08:49:37",
           "Sun, 06 Nov 1994 08:49:37 UTC",
           "Sun, 6 Nov 1994 08:49:37 GMT",
           "Sun, 06 nov 1994 08:49:37 GMT",
           "Sun, 31 Feb 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 24:00:00 GMT",
           "Sun, 06 Nov 1994 08:60:00 GMT",
           "Sun, 06 Nov 94 08:49:37 GMT",
           "Xyz, 06 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 08:49:37 GMTX",
           "Sun, 00 Nov 1994 08:49:37 GMT",
           "1994-11-06T08:49:37Z",
           "Sun Nov 6 08:49:37 1994",
           "Sun, 06 Nov 1994 08:49:3 GMT",
           "Sun, 06 Nov 1994 08:49:37 GMT\x01",
       }) {
    EXPECT_FALSE(parse_http_date(bad, kDatesNow).has_value()) << bad;
  }
  EXPECT_FALSE(parse_http_date(std::string(100, 'x'), kDatesNow).has_value());
  EXPECT_FALSE(parse_http_date(std::string("Sun, 06 Nov 1994 08:49:37 GMT") + std::string(60, ' '),
                               kDatesNow)
                   .has_value());
}

TEST(DatesTest, LeapDayIsAccepted) {
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT", kDatesNow),
            Seconds{sys_days{2024y / February / 29}});
  EXPECT_FALSE(parse_http_date("Thu, 29 Feb 2023 00:00:00 GMT", kDatesNow).has_value());
}

TEST(DatesTest, FormatsImfFixdate) {
  EXPECT_EQ(format_http_date(kExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(Seconds{sys_days{2009y / October / 12}} + 17h + 50min + 30s),
            "Mon, 12 Oct 2009 17:50:30 GMT");
  EXPECT_EQ(parse_http_date(format_http_date(kDatesNow), kDatesNow), kDatesNow);
}

TEST(DatesTest, FormatsIso8601WithMilliseconds) {
  const auto t = sys_days{2009y / October / 12} + 17h + 50min + 30s;
  EXPECT_EQ(format_iso8601_ms(t), "2009-10-12T17:50:30.000Z");
  EXPECT_EQ(format_iso8601_ms(t + 123ms + 999us), "2009-10-12T17:50:30.123Z");
  EXPECT_EQ(format_iso8601_ms(sys_days{1970y / January / 1}), "1970-01-01T00:00:00.000Z");
}

TEST(DatesTest, MutatedDatesParseToSomethingThatRoundTrips) {
  testing::Mutator m(0xda7e);
  const std::string seeds[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                               "Sun Nov  6 08:49:37 1994"};
  for (int i = 0; i < 5000; ++i) {
    const std::string text = m.mutate(seeds[i % 3]);
    if (const auto t = parse_http_date(text, kDatesNow)) {
      ASSERT_EQ(parse_http_date(format_http_date(*t), kDatesNow), t) << text;
    }
  }
}
}  // namespace
}  // namespace upgate::s3
