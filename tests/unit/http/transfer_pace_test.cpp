// The minimum transfer rate over windows of waiting time: bursts buy no credit beyond the
// next window, and a trickle just under any idle timeout is cut within one window.
#include "../../../src/http/transfer_pace.hpp"

#include <gtest/gtest.h>

namespace upgate::http::detail {
namespace {

using namespace std::chrono_literals;

TEST(TransferPace, OffWhenTheRateIsZero) {
  TransferPace pace(0, 10s);
  EXPECT_FALSE(pace.enabled());
  EXPECT_EQ(pace.allowance(), std::chrono::nanoseconds::max());
  EXPECT_TRUE(pace.record(1h, 0));
}

TEST(TransferPace, ATrickleIsCutWithinOneWindow) {
  TransferPace pace(1000, 10s);  // 10,000 bytes per 10 s of waiting
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(pace.record(2s, 1)) << i;
  EXPECT_EQ(pace.allowance(), 2s);
  EXPECT_FALSE(pace.record(2s, 1));  // the window closes with 5 bytes
}

TEST(TransferPace, AStalledOperationMayWaitToTheWindowsEnd) {
  TransferPace pace(1000, 10s);
  EXPECT_EQ(pace.allowance(), 10s);
  EXPECT_TRUE(pace.record(3s, 500));
  EXPECT_EQ(pace.allowance(), 7s);
}

TEST(TransferPace, ABurstBuysOnlyTheNextWindow) {
  TransferPace pace(1000, 10s);
  EXPECT_TRUE(pace.record(1s, 4'000'000));  // kernel buffers filled at once
  EXPECT_EQ(pace.allowance(), 19s);         // this window and the next, not 4,000 s
  EXPECT_TRUE(pace.record(19s, 0));         // the window that had the burst passes...
  EXPECT_EQ(pace.allowance(), 10s);         // ...and the next starts empty
  EXPECT_FALSE(pace.record(10s, 100));
}

TEST(TransferPace, ASteadyClientPassesEveryWindow) {
  TransferPace pace(1000, 10s);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(pace.record(500ms, 600)) << i;
}

TEST(TransferPace, RestartForgetsTheWindow) {
  TransferPace pace(1000, 10s);
  EXPECT_TRUE(pace.record(9s, 0));
  pace.restart();
  EXPECT_EQ(pace.allowance(), 10s);
}

}  // namespace
}  // namespace upgate::http::detail
