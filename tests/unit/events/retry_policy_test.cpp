#include "upgate/events/retry_policy.hpp"

#include <gtest/gtest.h>

namespace upgate::events {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicy, FullJitterCeiling) {
  RetryPolicy p;
  p.base = 5s;
  p.cap = 1h;
  EXPECT_EQ(retry_delay(p, 1, 0.999999), 4999ms);
  EXPECT_EQ(retry_delay(p, 2, 0.5), 5s);
  EXPECT_EQ(retry_delay(p, 3, 0.5), 10s);
  EXPECT_EQ(retry_delay(p, 11, 0.5), 1800s);    // 5 s * 2^10 > 1 h: capped
  EXPECT_EQ(retry_delay(p, 1000, 0.5), 1800s);  // no overflow
  EXPECT_EQ(retry_delay(p, 1, 0.0), 0ms);
  EXPECT_EQ(retry_delay(p, 1, 0.0, 30s), 30s);
  EXPECT_EQ(retry_delay(p, 1, 0.0, 5h), 1h);  // Retry-After is capped too
}

}  // namespace
}  // namespace upgate::events
