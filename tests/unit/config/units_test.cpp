#include "upgate/config/units.hpp"

#include <gtest/gtest.h>

namespace upgate::config {
namespace {

TEST(ParseByteSize, PlainIntegersAreBytes) {
  EXPECT_EQ(parse_byte_size("0"), 0u);
  EXPECT_EQ(parse_byte_size("5242880"), 5242880u);
}

TEST(ParseByteSize, SiAndIecUnits) {
  EXPECT_EQ(parse_byte_size("5 MiB"), 5u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("5MiB"), 5u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("5 mb"), 5'000'000u);
  EXPECT_EQ(parse_byte_size("1 GB"), 1'000'000'000u);
  EXPECT_EQ(parse_byte_size("5 TiB"), 5ULL << 40);
  EXPECT_EQ(parse_byte_size("12 B"), 12u);
  EXPECT_EQ(parse_byte_size(" \t5\tMiB "), 5u * 1024 * 1024);  // spaces and tabs alike
}

TEST(ParseByteSize, RefusesGarbage) {
  for (const char* bad : {"", "MiB", "-5", "5.5 MiB", "5 XB", "5 MiB extra", "0x10",
                          "99999999999999999999", "20000000 TiB"}) {
    EXPECT_EQ(parse_byte_size(bad), std::nullopt) << bad;
  }
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(parse_duration("300"), std::chrono::seconds(300));
  EXPECT_EQ(parse_duration("300s"), std::chrono::seconds(300));
  EXPECT_EQ(parse_duration("5m"), std::chrono::seconds(300));
  EXPECT_EQ(parse_duration("1h"), std::chrono::seconds(3600));
  EXPECT_EQ(parse_duration("7d"), std::chrono::seconds(604800));
  for (const char* bad : {"", "m", "-1", "1.5h", "1w", "5 minutes"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
  }
}

TEST(FormatByteSize, UsesTheSeedsWording) {
  EXPECT_EQ(format_byte_size(5u * 1024 * 1024), "5 MB");
  EXPECT_EQ(format_byte_size(1024), "1 KB");
  EXPECT_EQ(format_byte_size(5ULL << 40), "5 TB");
  EXPECT_EQ(format_byte_size(1000), "1000 bytes");
  EXPECT_EQ(format_byte_size(1), "1 byte");
}

}  // namespace
}  // namespace upgate::config
