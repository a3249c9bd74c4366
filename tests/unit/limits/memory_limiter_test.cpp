#include "upgate/limits/memory_limiter.hpp"

#include <upgate/limits/limit_key.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace upgate::limits {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

constexpr std::int64_t kSecondUs = 1'000'000;
// 2023-11-14T22:13:20Z, 2800 s before the next UTC hour.
constexpr std::int64_t kStartUs = 1'700'000'000LL * kSecondUs;

class ManualClock {
 public:
  Clock clock() {
    return [now = now_] { return microseconds(now->load()); };
  }
  void advance(std::int64_t us) { *now_ += us; }
  std::int64_t now() const { return now_->load(); }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> now_ =
      std::make_shared<std::atomic<std::int64_t>>(kStartUs);
};

RateCheck rate(std::string policy, std::string key, std::string_view spec, std::int64_t burst) {
  return RateCheck{std::move(policy), std::move(key), parse_rate(spec, burst).value()};
}

class MemoryLimiterTest : public ::testing::Test {
 protected:
  ManualClock time;
  MemoryLimiter limiter{MemoryLimiterOptions{1'000'000, time.clock()}};
};

TEST_F(MemoryLimiterTest, TheBurstPassesThenTheBucketRefusesUntilItRefills) {
  Admission a;
  a.rates.push_back(rate("avatars", "principal:alice", "60/min", 3));
  for (std::uint64_t left : {2u, 1u, 0u}) {
    const Decision d = limiter.decide(a);
    ASSERT_TRUE(d.allowed);
    EXPECT_EQ(d.reason, Reason::within_limits);
    ASSERT_EQ(d.limits.size(), 1u);
    EXPECT_EQ(d.limits[0].remaining, left);
    EXPECT_EQ(d.limits[0].limit, 60u);
    EXPECT_EQ(d.limits[0].window_seconds, 60u);
    EXPECT_EQ(d.limits[0].reset_seconds, 3 - left);  // until the bucket is full again
    EXPECT_EQ(d.decided_at, microseconds(kStartUs));
  }
  const Decision refused = limiter.decide(a);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.reason, Reason::rate_limited);
  EXPECT_EQ(refused.retry_after_seconds, 1u);
  EXPECT_TRUE(refused.limits[0].refused);
  EXPECT_EQ(refused.limits[0].remaining, 0u);
  EXPECT_EQ(refused.limits[0].reset_seconds, 1u);

  time.advance(kSecondUs - 1);
  EXPECT_FALSE(limiter.decide(a).allowed);
  time.advance(1);
  EXPECT_TRUE(limiter.decide(a).allowed);
  EXPECT_FALSE(limiter.decide(a).allowed);
}

TEST_F(MemoryLimiterTest, ARefusedRequestConsumesNothing) {
  Admission a;
  a.rates.push_back(rate("r", "k", "1/s", 1));
  ASSERT_TRUE(limiter.decide(a).allowed);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limiter.decide(a).allowed);
  time.advance(kSecondUs);
  EXPECT_TRUE(limiter.decide(a).allowed);
}

TEST_F(MemoryLimiterTest, RatesAreAllOrNothing) {
  Admission a;
  a.rates.push_back(rate("profile", "profile:p|principal:a", "10/s", 10));
  a.rates.push_back(rate("global", "principal:a", "1/s", 1));
  const Decision first = limiter.decide(a);
  ASSERT_TRUE(first.allowed);
  EXPECT_EQ(first.limits[0].remaining, 9u);
  EXPECT_EQ(first.limits[1].remaining, 0u);

  const Decision second = limiter.decide(a);
  EXPECT_EQ(second.reason, Reason::rate_limited);
  EXPECT_FALSE(second.limits[0].refused);
  EXPECT_TRUE(second.limits[1].refused);
  EXPECT_EQ(second.refusing_limit(), &second.limits[1]);
  // The profile bucket was not charged for the refused request.
  EXPECT_EQ(second.limits[0].remaining, 9u);
  EXPECT_EQ(second.retry_after_seconds, 1u);
}

TEST_F(MemoryLimiterTest, RetryAfterIsTheLongestWaitOfTheRefusingRates) {
  Admission a;
  a.rates.push_back(rate("fast", "a", "1/s", 1));
  a.rates.push_back(rate("slow", "b", "1/min", 1));
  ASSERT_TRUE(limiter.decide(a).allowed);
  const Decision d = limiter.decide(a);
  EXPECT_TRUE(d.limits[0].refused);
  EXPECT_TRUE(d.limits[1].refused);
  EXPECT_EQ(d.limits[0].reset_seconds, 1u);
  EXPECT_EQ(d.limits[1].reset_seconds, 60u);
  EXPECT_EQ(d.retry_after_seconds, 60u);
}

TEST_F(MemoryLimiterTest, QuotaRefusesWithoutConsuming) {
  auto quota = [](std::uint64_t bytes) {
    Admission a;
    a.quota = QuotaCheck{"uploads-quota", "principal:alice", parse_quota("100 B/h").value(), bytes};
    return a;
  };
  const Decision first = limiter.decide(quota(60));
  ASSERT_TRUE(first.allowed);
  EXPECT_EQ(first.limits[0].kind, LimitKind::quota);
  EXPECT_EQ(first.limits[0].limit, 100u);
  EXPECT_EQ(first.limits[0].window_seconds, 3600u);
  EXPECT_EQ(first.limits[0].remaining, 40u);
  EXPECT_EQ(first.limits[0].reset_seconds, 2800u);  // until the next UTC hour

  const Decision over = limiter.decide(quota(50));
  EXPECT_FALSE(over.allowed);
  EXPECT_EQ(over.reason, Reason::quota_exceeded);
  EXPECT_EQ(over.limits[0].remaining, 40u);
  EXPECT_EQ(over.retry_after_seconds, 2800u);

  const Decision rest = limiter.decide(quota(40));
  ASSERT_TRUE(rest.allowed);
  EXPECT_EQ(rest.limits[0].remaining, 0u);
  EXPECT_TRUE(limiter.decide(quota(0)).allowed);
  EXPECT_FALSE(limiter.decide(quota(1)).allowed);

  time.advance(2800 * kSecondUs);  // the next hour: a new window
  const Decision fresh = limiter.decide(quota(100));
  ASSERT_TRUE(fresh.allowed);
  EXPECT_EQ(fresh.limits[0].reset_seconds, 3600u);
}

TEST_F(MemoryLimiterTest, ARequestRefusedByItsQuotaStillCountsAgainstItsRate) {
  Admission a;
  a.rates.push_back(rate("r", "k", "2/min", 2));
  a.quota = QuotaCheck{"q", "k", parse_quota("10 B/day").value(), 11};
  const Decision d = limiter.decide(a);
  EXPECT_EQ(d.reason, Reason::quota_exceeded);
  EXPECT_FALSE(d.limits[0].refused);
  EXPECT_EQ(d.limits[0].remaining, 1u);
  EXPECT_TRUE(d.limits[1].refused);
}

TEST_F(MemoryLimiterTest, OpenUploadSlotsExpireRefreshAndRelease) {
  auto open = [](std::string id) {
    Admission a;
    a.open_upload = OpenUploadCheck{"uploads", "principal:alice", parse_max_open_uploads(2).value(),
                                    std::move(id), seconds(60)};
    return a;
  };
  const Decision first = limiter.decide(open("u1"));
  ASSERT_TRUE(first.allowed);
  EXPECT_EQ(first.limits[0].kind, LimitKind::open_uploads);
  EXPECT_EQ(first.limits[0].remaining, 1u);
  EXPECT_EQ(first.limits[0].reset_seconds, std::nullopt);
  EXPECT_EQ(first.limits[0].window_seconds, std::nullopt);
  time.advance(10 * kSecondUs);
  ASSERT_TRUE(limiter.decide(open("u2")).allowed);

  const Decision full = limiter.decide(open("u3"));
  EXPECT_EQ(full.reason, Reason::too_many_open_uploads);
  EXPECT_EQ(full.retry_after_seconds, 50u);  // u1 expires first
  EXPECT_EQ(full.limits[0].reset_seconds, 50u);
  EXPECT_EQ(full.limits[0].remaining, 0u);

  // Opening an open id again refreshes it, even when the set is full.
  time.advance(5 * kSecondUs);
  ASSERT_TRUE(limiter.decide(open("u1")).allowed);
  EXPECT_EQ(limiter.decide(open("u3")).retry_after_seconds, 55u);  // now u2 is the oldest

  EXPECT_TRUE(limiter.release("principal:alice", "u2"));
  EXPECT_FALSE(limiter.release("principal:alice", "u2"));
  ASSERT_TRUE(limiter.decide(open("u3")).allowed);

  time.advance(60 * kSecondUs);  // every slot has expired
  const Decision after = limiter.decide(open("u4"));
  ASSERT_TRUE(after.allowed);
  EXPECT_EQ(after.limits[0].remaining, 1u);
}

TEST_F(MemoryLimiterTest, TensOfThousandsOfOpenUploadsUnderOneKeyKeepTheirOrder) {
  // 50,000 slots with ttls of 1..50,000 s, opened in a scrambled order.
  constexpr std::uint32_t kOpen = 50'000;
  auto open = [](std::uint32_t n, seconds ttl) {
    Admission a;
    a.open_upload =
        OpenUploadCheck{"uploads", "principal:bulk", parse_max_open_uploads(kOpen).value(),
                        "u" + std::to_string(n), ttl};
    return a;
  };
  for (std::uint32_t i = 0; i < kOpen; ++i) {
    const std::uint32_t n = (i * 7919u) % kOpen;  // 7919 is prime to 50,000: a permutation
    ASSERT_TRUE(limiter.decide(open(n, seconds(n + 1))).allowed) << n;
  }
  const Decision full = limiter.decide(open(kOpen, seconds(1)));
  EXPECT_EQ(full.reason, Reason::too_many_open_uploads);
  EXPECT_EQ(full.retry_after_seconds, 1u);  // u0 (1 s) expires first
  // Refreshing one that is open is allowed, and moves it in the order.
  ASSERT_TRUE(limiter.decide(open(0, seconds(600'000))).allowed);
  EXPECT_EQ(limiter.decide(open(kOpen, seconds(1))).retry_after_seconds, 2u);  // now u1

  // One released from the middle frees one slot.
  EXPECT_TRUE(limiter.release("principal:bulk", "u25000"));
  EXPECT_FALSE(limiter.release("principal:bulk", "u25000"));
  ASSERT_TRUE(limiter.decide(open(kOpen, seconds(600'000))).allowed);
  EXPECT_EQ(limiter.decide(open(kOpen + 1, seconds(1))).reason, Reason::too_many_open_uploads);

  // After 10,000 s, u1..u9999 have expired (u0 was refreshed): 40,001 remain open.
  time.advance(10'000 * kSecondUs);
  const Decision later = limiter.decide(open(kOpen + 1, seconds(1)));
  ASSERT_TRUE(later.allowed);
  EXPECT_EQ(later.limits[0].remaining, kOpen - 40'002);
  EXPECT_EQ(limiter.stats().keys, 1u);
}

// The open slots are an open-addressed table with backward-shift deletion, and ids over
// 16 bytes (S3's uploadIds) are kept as 16 bytes of their SHA-256. After thousands of
// releases from the middle of probe runs, growth and shrinking, every slot still open must
// be found (released once, not twice) and every released one must not.
TEST_F(MemoryLimiterTest, EveryOpenSlotIsFoundAfterReleasesGrowthAndShrinking) {
  constexpr std::uint32_t kOpen = 6'000;
  // Short ids (kept as they are), ids of exactly 16 bytes, and long ids that share their
  // first 40 bytes (digested: only the hash tells them apart).
  auto id = [](std::uint32_t n) {
    switch (n % 3) {
      case 0:
        return "s" + std::to_string(n);
      case 1: {
        std::string exact = "x" + std::to_string(n);
        exact.resize(16, '.');
        return exact;
      }
      default:
        return std::string(40, 'L') + std::to_string(n);
    }
  };
  auto open = [&](std::uint32_t n) {
    Admission a;
    a.open_upload = OpenUploadCheck{"uploads", "principal:table",
                                    parse_max_open_uploads(kOpen).value(), id(n), seconds(3600)};
    return a;
  };
  for (std::uint32_t n = 0; n < kOpen; ++n) ASSERT_TRUE(limiter.decide(open(n)).allowed) << n;

  // Release all but every 16th, in a scrambled order: the table shrinks as it empties.
  std::vector<bool> released(kOpen, false);
  std::uint32_t kept = 0;
  for (std::uint32_t i = 0; i < kOpen; ++i) {
    const std::uint32_t n = (i * 4001u) % kOpen;  // 4001 is prime to 6,000: a permutation
    if (n % 16 == 0) {
      ++kept;
      continue;
    }
    ASSERT_TRUE(limiter.release("principal:table", id(n))) << n;
    released[n] = true;
  }
  const Decision d = limiter.decide(open(0));  // a refresh of an open slot
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.limits[0].remaining, kOpen - kept);
  for (std::uint32_t n = 0; n < kOpen; ++n) {
    EXPECT_EQ(limiter.release("principal:table", id(n)), !released[n]) << n;
  }
  EXPECT_FALSE(limiter.release("principal:table", id(0)));
  // Emptied, the key's slots take new ids again.
  ASSERT_TRUE(limiter.decide(open(1)).allowed);
  EXPECT_TRUE(limiter.release("principal:table", id(1)));
}

TEST_F(MemoryLimiterTest, TheSlotAndTheQuotaAreTakenTogetherOrNotAtAll) {
  Admission a;
  a.open_upload =
      OpenUploadCheck{"uploads", "k", parse_max_open_uploads(1).value(), "u1", seconds(60)};
  a.quota = QuotaCheck{"quota", "k", parse_quota("10 B/day").value(), 11};
  EXPECT_EQ(limiter.decide(a).reason, Reason::quota_exceeded);
  a.quota->bytes = 10;
  a.open_upload->upload_id = "u2";
  const Decision d = limiter.decide(a);
  ASSERT_TRUE(d.allowed) << "the refused request must not have taken a slot";
  EXPECT_EQ(d.limits[0].remaining, 0u);
  EXPECT_EQ(d.limits[1].remaining, 0u);

  // A full slot set refuses before the quota is charged.
  a.open_upload->upload_id = "u3";
  a.quota->bytes = 0;
  EXPECT_EQ(limiter.decide(a).reason, Reason::too_many_open_uploads);
}

TEST_F(MemoryLimiterTest, KeysAndKindsAreIndependent) {
  Admission alice;
  alice.rates.push_back(rate("r", "principal:alice", "1/min", 1));
  Admission bob;
  bob.rates.push_back(rate("r", "principal:bob", "1/min", 1));
  ASSERT_TRUE(limiter.decide(alice).allowed);
  EXPECT_FALSE(limiter.decide(alice).allowed);
  EXPECT_TRUE(limiter.decide(bob).allowed);

  // The same key as a quota is a different counter.
  Admission quota;
  quota.quota = QuotaCheck{"q", "principal:alice", parse_quota("1 KB/day").value(), 5};
  EXPECT_TRUE(limiter.decide(quota).allowed);
}

TEST_F(MemoryLimiterTest, LongKeysThatShareAPrefixStayApart) {
  const std::string prefix(200, 'x');
  Admission a;
  a.rates.push_back(rate("r", prefix + "a", "1/min", 1));
  Admission b;
  b.rates.push_back(rate("r", prefix + "b", "1/min", 1));
  ASSERT_TRUE(limiter.decide(a).allowed);
  EXPECT_TRUE(limiter.decide(b).allowed);
  EXPECT_FALSE(limiter.decide(a).allowed);
}

TEST_F(MemoryLimiterTest, AMalformedAdmissionIsTheCallersBug) {
  Admission twice;
  twice.rates.push_back(rate("a", "k", "1/s", 1));
  twice.rates.push_back(rate("b", "k", "1/s", 1));
  EXPECT_THROW(limiter.decide(twice), std::invalid_argument);
  Admission no_key;
  no_key.rates.push_back(rate("a", "", "1/s", 1));
  EXPECT_THROW(limiter.decide(no_key), std::invalid_argument);
  Admission no_ttl;
  no_ttl.open_upload = OpenUploadCheck{"u", "k", OpenUploadsSpec{1}, "id", seconds(0)};
  EXPECT_THROW(limiter.decide(no_ttl), std::invalid_argument);
  Admission empty;
  const Decision nothing = limiter.decide(empty);
  EXPECT_TRUE(nothing.allowed);
  EXPECT_TRUE(nothing.limits.empty());
}

TEST_F(MemoryLimiterTest, AdmitIsACoroutineThatCompletesAtOnce) {
  boost::asio::io_context io;
  Admission a;
  a.rates.push_back(rate("r", "k", "1/min", 1));
  std::vector<bool> allowed;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        allowed.push_back((co_await limiter.admit(a)).allowed);
        allowed.push_back((co_await limiter.admit(a)).allowed);
        auto released = co_await limiter.release_upload("k", "nothing");
        allowed.push_back(released.has_value());
      },
      boost::asio::detached);
  io.run();
  EXPECT_EQ(allowed, (std::vector<bool>{true, false, true}));
}

TEST(MemoryLimiterBounds, LiveStateIsEvictedOnlyWhenTheBoundIsReached) {
  ManualClock time;
  MemoryLimiter limiter(MemoryLimiterOptions{MemoryLimiter::kShardCount * 4, time.clock()});
  for (int i = 0; i < 5000; ++i) {
    Admission a;
    a.rates.push_back(rate("r", "client:" + std::to_string(i), "1/h", 1));
    ASSERT_TRUE(limiter.decide(a).allowed);
    ASSERT_LE(limiter.stats().keys, MemoryLimiter::kShardCount * 4);
  }
  const MemoryLimiterStats full = limiter.stats();
  EXPECT_GT(full.live_evictions, 0u);
  EXPECT_EQ(full.expired_evictions, 0u);

  // An hour later every bucket is full again, so dead: new keys push out dead ones only.
  time.advance(3601 * kSecondUs);
  for (int i = 0; i < 5000; ++i) {
    Admission a;
    a.rates.push_back(rate("r", "later:" + std::to_string(i), "1/s", 1));
    ASSERT_TRUE(limiter.decide(a).allowed);
    time.advance(1);
  }
  const MemoryLimiterStats later = limiter.stats();
  EXPECT_LE(later.keys, MemoryLimiter::kShardCount * 4);
  EXPECT_GT(later.expired_evictions, 0u);
}

TEST(MemoryLimiterBounds, DeadStateIsSweptAsNewKeysArrive) {
  ManualClock time;
  MemoryLimiter limiter(MemoryLimiterOptions{1'000'000, time.clock()});
  for (int i = 0; i < 2000; ++i) {
    Admission a;
    a.rates.push_back(rate("r", "old:" + std::to_string(i), "1/s", 1));
    ASSERT_TRUE(limiter.decide(a).allowed);
  }
  time.advance(2 * kSecondUs);
  for (int i = 0; i < 20000; ++i) {
    Admission a;
    a.rates.push_back(rate("r", "new:" + std::to_string(i), "1/min", 1));
    ASSERT_TRUE(limiter.decide(a).allowed);
  }
  EXPECT_GT(limiter.stats().expired_evictions, 1000u);
  EXPECT_EQ(limiter.stats().live_evictions, 0u);
}

TEST(MemoryLimiterConcurrency, ExactlyTheBurstPassesUnderContention) {
  ManualClock time;  // frozen: no refill while the threads race
  MemoryLimiter limiter(MemoryLimiterOptions{1'000'000, time.clock()});
  Admission shared;
  shared.rates.push_back(rate("r", "principal:shared", "100/h", 100));
  shared.rates.push_back(rate("g", "global", "1000/h", 1000));
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (limiter.decide(shared).allowed) ++allowed;
        Admission own;
        own.rates.push_back(rate("r", "thread:" + std::to_string(t), "1000/h", 1000));
        limiter.decide(own);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace upgate::limits
