#include "upgate/limits/ratelimit_headers.hpp"

#include <upgate/limits/memory_limiter.hpp>

#include <gtest/gtest.h>

namespace upgate::limits {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

constexpr std::int64_t kStart = 1'700'000'000LL * 1'000'000;  // 2800 s before a UTC hour

MemoryLimiter fixed_clock_limiter() {
  return MemoryLimiter(MemoryLimiterOptions{1000, [] { return microseconds(kStart); }});
}

Admission full_admission(std::uint64_t bytes) {
  Admission a;
  a.rates.push_back({"avatars", "profile:avatars|principal:alice", parse_rate("60/min").value()});
  a.open_upload = OpenUploadCheck{"avatars-uploads", "principal:alice",
                                  parse_max_open_uploads(5).value(), "upload-1", seconds(300)};
  a.quota =
      QuotaCheck{"avatars-quota", "principal:alice", parse_quota("10 GiB/day").value(), bytes};
  return a;
}

TEST(RateLimitFields, AnAdmittedRequestReportsEveryPolicy) {
  MemoryLimiter limiter = fixed_clock_limiter();
  const RateLimitFields fields = ratelimit_fields(limiter.decide(full_admission(1 << 30)));
  EXPECT_EQ(fields.policy,
            "\"avatars\";q=60;w=60, "
            "\"avatars-uploads\";q=5;qu=\"concurrent-requests\", "
            "\"avatars-quota\";q=10737418240;qu=\"content-bytes\";w=86400");
  EXPECT_EQ(fields.ratelimit,
            "\"avatars\";r=59;t=1, \"avatars-uploads\";r=4, \"avatars-quota\";r=9663676416;t=6400");
  EXPECT_EQ(fields.retry_after, std::nullopt);
}

TEST(RateLimitFields, ARefusalCarriesRetryAfterNoEarlierThanItsWindow) {
  MemoryLimiter limiter = fixed_clock_limiter();
  Admission a;
  a.rates.push_back({"uploads", "k", parse_rate("1/min").value()});
  ASSERT_TRUE(limiter.decide(a).allowed);
  const RateLimitFields fields = ratelimit_fields(limiter.decide(a));
  EXPECT_EQ(fields.policy, "\"uploads\";q=1;w=60");
  EXPECT_EQ(fields.ratelimit, "\"uploads\";r=0;t=60");
  EXPECT_EQ(fields.retry_after, "60");
}

TEST(RateLimitFields, AQuotaRefusalWaitsForTheNextWindow) {
  MemoryLimiter limiter = fixed_clock_limiter();
  Admission a;
  a.quota = QuotaCheck{"daily", "k", parse_quota("1 KiB/day").value(), 2000};
  const RateLimitFields fields = ratelimit_fields(limiter.decide(a));
  EXPECT_EQ(fields.ratelimit, "\"daily\";r=1024;t=6400");
  EXPECT_EQ(fields.retry_after, "6400");
}

TEST(RateLimitFields, PolicyNamesAreSfStrings) {
  Decision d;
  d.limits.push_back(LimitState{"a\"b\\c\x01\xff", LimitKind::rate, 1, 1, 1, 1, false});
  EXPECT_EQ(ratelimit_fields(d).policy, "\"a\\\"b\\\\c??\";q=1;w=1");
}

TEST(RateLimitFields, IntegersAreCappedAtFifteenDigits) {
  Decision d;
  d.limits.push_back(LimitState{"q", LimitKind::quota, 10'000'000'000'000'000ULL, 86400,
                                10'000'000'000'000'000ULL, 5, false});
  EXPECT_EQ(ratelimit_fields(d).ratelimit, "\"q\";r=999999999999999;t=5");
}

TEST(RateLimitFields, TheLongestMembersFit) {
  // Every byte of every name escaped, every integer capped, the longest unit, and the
  // remaining and reset of an open-upload refusal: the values are written into room
  // reserved for the worst case, so the worst case is spelt out here.
  Decision d;
  const std::string quotes(40, '"');
  std::string policy;
  std::string ratelimit;
  for (int i = 0; i < 6; ++i) {
    d.limits.push_back(
        LimitState{quotes, LimitKind::open_uploads, ~0ULL, ~0ULL, ~0ULL, ~0ULL, false});
    std::string escaped = "\"";
    for (std::size_t k = 0; k < quotes.size(); ++k) escaped += "\\\"";
    escaped += '"';
    if (i > 0) {
      policy += ", ";
      ratelimit += ", ";
    }
    policy += escaped + ";q=999999999999999;qu=\"concurrent-requests\";w=999999999999999";
    ratelimit += escaped + ";r=999999999999999;t=999999999999999";
  }
  const RateLimitFields fields = ratelimit_fields(d);
  EXPECT_EQ(fields.policy, policy);
  EXPECT_EQ(fields.ratelimit, ratelimit);
}

TEST(RateLimitFields, EachDecisionGetsThePolicyOfItsOwnLimits) {
  // The policy value is kept from one decision to the next while the policies are the
  // same: whatever it is written from, changed alone, gives a new value.
  const auto policy_of = [](LimitState state) {
    Decision d;
    d.limits.push_back(LimitState{"a", LimitKind::rate, 1, 60, 0, 1, false});
    d.limits.push_back(std::move(state));
    return ratelimit_fields(d).policy;
  };
  const LimitState base{"b", LimitKind::rate, 5, 60, 4, 1, false};
  EXPECT_EQ(policy_of(base), "\"a\";q=1;w=60, \"b\";q=5;w=60");
  LimitState left = base;
  left.remaining = 0;
  left.reset_seconds = 30;
  left.refused = true;
  EXPECT_EQ(policy_of(left), "\"a\";q=1;w=60, \"b\";q=5;w=60");
  LimitState renamed = base;
  renamed.policy = "c";
  EXPECT_EQ(policy_of(renamed), "\"a\";q=1;w=60, \"c\";q=5;w=60");
  LimitState bigger = base;
  bigger.limit = 6;
  EXPECT_EQ(policy_of(bigger), "\"a\";q=1;w=60, \"b\";q=6;w=60");
  LimitState hourly = base;
  hourly.window_seconds = 3600;
  EXPECT_EQ(policy_of(hourly), "\"a\";q=1;w=60, \"b\";q=5;w=3600");
  LimitState slots = base;
  slots.kind = LimitKind::open_uploads;
  slots.window_seconds = std::nullopt;
  EXPECT_EQ(policy_of(slots), "\"a\";q=1;w=60, \"b\";q=5;qu=\"concurrent-requests\"");
  Decision one;
  one.limits.push_back(LimitState{"a", LimitKind::rate, 1, 60, 0, 1, false});
  EXPECT_EQ(ratelimit_fields(one).policy, "\"a\";q=1;w=60");
  EXPECT_EQ(policy_of(base), "\"a\";q=1;w=60, \"b\";q=5;w=60");
}

TEST(RateLimitFields, NothingIsKnownWhenTheStoreIsUnavailable) {
  Decision d;
  d.allowed = false;
  d.reason = Reason::store_unavailable;
  d.store_error = StoreError{StoreErrorKind::timeout, "redis: no reply"};
  const RateLimitFields fields = ratelimit_fields(d);
  EXPECT_EQ(fields.policy, "");
  EXPECT_EQ(fields.ratelimit, "");
  EXPECT_EQ(fields.retry_after, std::nullopt);
}

}  // namespace
}  // namespace upgate::limits
