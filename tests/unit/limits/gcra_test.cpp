#include "upgate/limits/gcra.hpp"

#include <gtest/gtest.h>

namespace upgate::limits::gcra {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kNow = 1'700'000'000LL * kSecond;

// 1 request per second, at most 3 at once.
constexpr Bucket kBucket{kSecond, 3 * kSecond};

TEST(Gcra, AFullBucketLetsTheBurstThroughThenRefuses) {
  std::int64_t tat = kNow;  // absent: full
  int passed = 0;
  for (int i = 0; i < 5; ++i) {
    tat = Bucket::effective_tat(kNow, tat);
    if (!kBucket.allows(kNow, tat)) break;
    tat += kBucket.interval_us;
    ++passed;
  }
  EXPECT_EQ(passed, 3);
  EXPECT_EQ(tat, kNow + 3 * kSecond);
  EXPECT_EQ(kBucket.remaining(kNow, tat), 0);
  EXPECT_EQ(kBucket.wait_us(kNow, tat), kSecond);
}

TEST(Gcra, RefillsOneRequestPerInterval) {
  const std::int64_t tat = kNow + 3 * kSecond;  // empty
  EXPECT_FALSE(kBucket.allows(kNow + kSecond - 1, tat));
  EXPECT_EQ(kBucket.wait_us(kNow + kSecond - 1, tat), 1);
  EXPECT_TRUE(kBucket.allows(kNow + kSecond, tat));
  EXPECT_EQ(kBucket.remaining(kNow + kSecond, tat), 1);
  EXPECT_EQ(kBucket.remaining(kNow + 2 * kSecond + 500'000, tat), 2);
  EXPECT_EQ(kBucket.remaining(kNow + 3 * kSecond, tat), 3);
}

TEST(Gcra, ABucketNeverHoldsMoreThanItsCapacity) {
  const std::int64_t long_ago = kNow - 3600 * kSecond;
  const std::int64_t tat = Bucket::effective_tat(kNow, long_ago);
  EXPECT_EQ(tat, kNow);
  EXPECT_EQ(kBucket.remaining(kNow, tat), 3);
  EXPECT_EQ(kBucket.wait_us(kNow, tat), 0);
}

TEST(Gcra, SteadyPaceAtTheRateIsNeverRefused) {
  const Bucket one{kSecond, kSecond};  // burst 1
  std::int64_t tat = kNow;
  for (int i = 0; i < 100; ++i) {
    const std::int64_t now = kNow + i * kSecond;
    tat = Bucket::effective_tat(now, tat);
    ASSERT_TRUE(one.allows(now, tat)) << i;
    tat += one.interval_us;
    // Half an interval later the next one is early.
    EXPECT_FALSE(one.allows(now + kSecond / 2, tat));
  }
}

TEST(Gcra, CeilSecondsRoundsUp) {
  EXPECT_EQ(ceil_seconds(0), 0);
  EXPECT_EQ(ceil_seconds(-5), 0);
  EXPECT_EQ(ceil_seconds(1), 1);
  EXPECT_EQ(ceil_seconds(kSecond), 1);
  EXPECT_EQ(ceil_seconds(kSecond + 1), 2);
}

TEST(Gcra, QuotaWindowsAreAlignedToUtc) {
  // 2023-11-14T22:13:20Z
  EXPECT_EQ(window_start_seconds(kNow, 86400), 1'699'920'000);
  EXPECT_EQ(window_start_seconds(kNow, 3600), 1'699'999'200);
  EXPECT_EQ(window_start_seconds(1'699'920'000LL * kSecond, 86400), 1'699'920'000);
  EXPECT_EQ(window_start_seconds(1'699'920'000LL * kSecond - 1, 86400), 1'699'833'600);
}

}  // namespace
}  // namespace upgate::limits::gcra
