#include "upgate/limits/specs.hpp"

#include <gtest/gtest.h>

namespace upgate::limits {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

TEST(ParseRate, EveryPeriodSpelling) {
  EXPECT_EQ(parse_rate("60/min").value(), (RateSpec{60, seconds(60), 60}));
  EXPECT_EQ(parse_rate("5/s").value(), (RateSpec{5, seconds(1), 5}));
  EXPECT_EQ(parse_rate("600/h").value(), (RateSpec{600, seconds(3600), 600}));
  EXPECT_EQ(parse_rate("5000/day").value(), (RateSpec{5000, seconds(86400), 5000}));
  EXPECT_EQ(parse_rate(" 10 / Minute ").value(), (RateSpec{10, seconds(60), 10}));
  EXPECT_EQ(parse_rate("1/second").value().period, seconds(1));
  EXPECT_EQ(parse_rate("1/sec").value().period, seconds(1));
  EXPECT_EQ(parse_rate("1/hour").value().period, seconds(3600));
  EXPECT_EQ(parse_rate("1/d").value().period, seconds(86400));
}

TEST(ParseRate, BurstDefaultsToTheCountAndMayBeSet) {
  EXPECT_EQ(parse_rate("60/min").value().burst, 60u);
  EXPECT_EQ(parse_rate("60/min", 10).value().burst, 10u);
  EXPECT_EQ(parse_rate("60/min", 1000).value().burst, 1000u);
}

TEST(ParseRate, GcraParameters) {
  const RateSpec spec = parse_rate("60/min", 10).value();
  EXPECT_EQ(spec.emission_interval(), microseconds(1'000'000));
  EXPECT_EQ(spec.capacity(), microseconds(10'000'000));
  // A period that does not divide evenly rounds the interval down to a microsecond.
  EXPECT_EQ(parse_rate("7/min").value().emission_interval(), microseconds(8'571'428));
  EXPECT_EQ(parse_rate("1000000/s").value().emission_interval(), microseconds(1));
}

TEST(ParseRate, PreciseErrors) {
  EXPECT_EQ(parse_rate("").error(),
            "rate is empty: write it as \"<count>/<period>\", e.g. \"60/min\"");
  EXPECT_EQ(parse_rate("60").error(),
            "rate \"60\" is not \"<count>/<period>\" (period s, min, h or day), e.g. \"60/min\"");
  EXPECT_EQ(parse_rate("60/min/s").error(),
            "rate \"60/min/s\" is not \"<count>/<period>\" (period s, min, h or day), e.g. "
            "\"60/min\"");
  EXPECT_EQ(parse_rate("sixty/min").error(),
            "rate \"sixty/min\": \"sixty\" is not a whole number of requests");
  EXPECT_EQ(parse_rate("1.5/s").error(),
            "rate \"1.5/s\": \"1.5\" is not a whole number of requests");
  EXPECT_EQ(parse_rate("-1/s").error(), "rate \"-1/s\": \"-1\" is not a whole number of requests");
  EXPECT_EQ(parse_rate("0/s").error(), "rate \"0/s\": the count must be between 1 and 1000000000");
  EXPECT_EQ(parse_rate("60/m").error(),
            "rate \"60/m\": unknown period \"m\" (use s, min, h or day)");
  EXPECT_EQ(parse_rate("60/week").error(),
            "rate \"60/week\": unknown period \"week\" (use s, min, h or day)");
  EXPECT_EQ(parse_rate("2000000000/day").error(),
            "rate \"2000000000/day\": the count must be between 1 and 1000000000");
  EXPECT_EQ(parse_rate("2000000/s").error(),
            "rate \"2000000/s\": more than one request per microsecond cannot be limited");
  EXPECT_EQ(parse_rate("99999999999999999999/s").error(),
            "rate \"99999999999999999999/s\": \"99999999999999999999\" is not a whole number "
            "of requests");
  EXPECT_EQ(parse_rate("60/min", 0).error(), "burst 0 must be between 1 and 1000000000");
  EXPECT_EQ(parse_rate("60/min", -3).error(), "burst -3 must be between 1 and 1000000000");
  EXPECT_EQ(parse_rate("1/day", 400).error(),
            "rate \"1/day\" with burst 400 takes more than 366 days to refill; lower the burst");
}

TEST(ParseRate, ControlBytesAreNotEchoed) {
  const std::string error = parse_rate(std::string("6\n0/min")).error();
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(ParseRate, MoreThanOnePerMicrosecondIsRefused) {
  EXPECT_FALSE(parse_rate("1000001/s"));
  EXPECT_TRUE(parse_rate("1000000/s"));
  EXPECT_TRUE(parse_rate("1000000000/day"));
}

TEST(ParseQuota, SizesAndWindows) {
  EXPECT_EQ(parse_quota("10 GiB/day").value(), (QuotaSpec{10ULL << 30, seconds(86400)}));
  EXPECT_EQ(parse_quota("500 MB/h").value(), (QuotaSpec{500'000'000, seconds(3600)}));
  EXPECT_EQ(parse_quota("1TB / hour").value(), (QuotaSpec{1'000'000'000'000, seconds(3600)}));
  EXPECT_EQ(parse_quota("4096/d").value(), (QuotaSpec{4096, seconds(86400)}));
}

TEST(ParseQuota, PreciseErrors) {
  EXPECT_EQ(parse_quota("").error(),
            "quota is empty: write it as \"<size>/<window>\", e.g. \"10 GiB/day\"");
  EXPECT_EQ(parse_quota("10 GiB").error(),
            "quota \"10 GiB\" is not \"<size>/<window>\" (window h or day), e.g. \"10 GiB/day\"");
  EXPECT_EQ(parse_quota("10 GiG/day").error(),
            "quota \"10 GiG/day\": \"10 GiG\" is not a size (a whole number with B, KB, MB, GB, "
            "TB, KiB, MiB, GiB or TiB)");
  EXPECT_EQ(parse_quota("0/day").error(),
            "quota \"0/day\": the size must be between 1 byte and 999999999999999 bytes");
  EXPECT_EQ(parse_quota("1000 TiB/day").error(),
            "quota \"1000 TiB/day\": the size must be between 1 byte and 999999999999999 bytes");
  EXPECT_EQ(parse_quota("10 GiB/min").error(),
            "quota \"10 GiB/min\": unknown window \"min\" (use h or day)");
  EXPECT_EQ(parse_quota("10 GiB/s").error(),
            "quota \"10 GiB/s\": unknown window \"s\" (use h or day)");
}

TEST(ParseMaxOpenUploads, Bounds) {
  EXPECT_EQ(parse_max_open_uploads(5).value().max, 5u);
  EXPECT_EQ(parse_max_open_uploads(100000).value().max, 100000u);
  EXPECT_EQ(parse_max_open_uploads(0).error(), "max_open_uploads 0 must be between 1 and 100000");
  EXPECT_EQ(parse_max_open_uploads(-1).error(), "max_open_uploads -1 must be between 1 and 100000");
  EXPECT_FALSE(parse_max_open_uploads(100001));
}

TEST(SpecText, ReadsAsWritten) {
  EXPECT_EQ(to_string(parse_rate("60/min").value()), "60/min");
  EXPECT_EQ(to_string(parse_rate("60/min", 10).value()), "60/min, burst 10");
  EXPECT_EQ(to_string(parse_rate("3/second").value()), "3/s");
  EXPECT_EQ(to_string(parse_rate("3/hour").value()), "3/h");
  EXPECT_EQ(to_string(parse_rate("3/d").value()), "3/day");
  EXPECT_EQ(to_string(parse_quota("10 GiB/day").value()), "10 GB/day");
  EXPECT_EQ(to_string(parse_quota("5 MB/h").value()), "5000000 bytes/h");
  EXPECT_EQ(period_name(seconds(60)), "minute");
  EXPECT_EQ(period_name(seconds(86400)), "day");
}

}  // namespace
}  // namespace upgate::limits
