#include "upgate/api/part_layout.hpp"

#include <gtest/gtest.h>

namespace upgate::api {
namespace {

std::uint64_t total(const PartLayout& layout) {
  std::uint64_t sum = 0;
  for (std::uint32_t n = 1; n <= layout.part_count; ++n) sum += layout.part_length(n);
  return sum;
}

void expect_within_s3_limits(const PartLayout& layout) {
  EXPECT_GE(layout.part_count, 1u);
  EXPECT_LE(layout.part_count, kMaxPartCount);
  EXPECT_GE(layout.part_size, kMinPartSize);
  EXPECT_LE(layout.part_size, kMaxPartSize);
  EXPECT_EQ(layout.part_size % kMiB, 0u);
  EXPECT_GE(layout.part_length(layout.part_count), 1u);
  EXPECT_LE(layout.part_length(layout.part_count), layout.part_size);
  EXPECT_EQ(total(layout), layout.size);
}

TEST(PartLayout, OneGiBIsSixtyFourPartsOfSixteenMiB) {
  auto layout = choose_part_layout(1024 * kMiB);
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->part_size, 16 * kMiB);
  EXPECT_EQ(layout->part_count, 64u);
  expect_within_s3_limits(*layout);
}

TEST(PartLayout, ASmallFileIsOneShortPart) {
  auto layout = choose_part_layout(1000);
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->part_count, 1u);
  EXPECT_EQ(layout->part_length(1), 1000u);
  EXPECT_EQ(layout->part_length(0), 0u);
  EXPECT_EQ(layout->part_length(2), 0u);
}

TEST(PartLayout, TheLastPartTakesTheRemainder) {
  auto layout = choose_part_layout(120 * kMiB + 7, 8 * kMiB);
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->part_count, 16u);
  EXPECT_EQ(layout->part_length(15), 8 * kMiB);
  EXPECT_EQ(layout->part_length(16), 7u);
  expect_within_s3_limits(*layout);
}

TEST(PartLayout, FiveTiBFitsInTenThousandParts) {
  auto layout = choose_part_layout(kMaxMultipartObjectSize);
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->part_size, 525 * kMiB);
  EXPECT_LE(layout->part_count, kMaxPartCount);
  expect_within_s3_limits(*layout);
}

TEST(PartLayout, SizesAroundTheBoundariesStayWithinLimits) {
  for (std::uint64_t size :
       {std::uint64_t{1}, kMinPartSize - 1, kMinPartSize, kMinPartSize + 1, 16 * kMiB * 10'000,
        16 * kMiB * 10'000 + 1, 160 * 1024 * kMiB + 12345, kMaxMultipartObjectSize - 1}) {
    auto layout = choose_part_layout(size);
    ASSERT_TRUE(layout.has_value()) << size;
    expect_within_s3_limits(*layout);
  }
}

TEST(PartLayout, ThePreferredSizeIsClampedAndRounded) {
  EXPECT_EQ(choose_part_layout(100 * kMiB, 1)->part_size, kMinPartSize);
  EXPECT_EQ(choose_part_layout(100 * kMiB, 6 * kMiB + 1)->part_size, 7 * kMiB);
  EXPECT_EQ(choose_part_layout(100 * kMiB, ~std::uint64_t{0})->part_size, kMaxPartSize);
}

TEST(PartLayout, ZeroAndOverFiveTiBAreRefused) {
  auto zero = choose_part_layout(0);
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error().code, ErrorCode::invalid_size);
  auto huge = choose_part_layout(kMaxMultipartObjectSize + 1);
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().code, ErrorCode::invalid_size);
}

}  // namespace
}  // namespace upgate::api
