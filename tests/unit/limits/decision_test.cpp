#include "upgate/limits/decision.hpp"

#include <upgate/limits/limiter.hpp>

#include <gtest/gtest.h>

#include "support/cases.hpp"

namespace upgate::limits {
namespace {

using upgate::testing::results_of;

Decision refused(Reason reason, LimitState state, std::uint64_t retry) {
  Decision d;
  d.allowed = false;
  d.reason = reason;
  d.retry_after_seconds = retry;
  state.refused = true;
  d.limits.push_back(std::move(state));
  return d;
}

TEST(RefusalMessage, NamesTheLimit) {
  EXPECT_EQ(
      refusal_message(refused(Reason::rate_limited,
                              LimitState{"avatars", LimitKind::rate, 60, 60, 0, 12, true}, 12)),
      "rate limit exceeded: 60 requests per minute (policy \"avatars\"); retry in 12 s");
  EXPECT_EQ(refusal_message(refused(Reason::rate_limited,
                                    LimitState{"one", LimitKind::rate, 1, 1, 0, 1, true}, 1)),
            "rate limit exceeded: 1 request per second (policy \"one\"); retry in 1 s");
  EXPECT_EQ(
      refusal_message(refused(
          Reason::quota_exceeded,
          LimitState{"avatars-quota", LimitKind::quota, 10ULL << 30, 86400, 5, 3600, true}, 3600)),
      "upload quota exceeded: 10 GB per day (policy \"avatars-quota\"); retry in 3600 s");
  EXPECT_EQ(
      refusal_message(refused(
          Reason::too_many_open_uploads,
          LimitState{"avatars-uploads", LimitKind::open_uploads, 5, std::nullopt, 0, 300, true},
          300)),
      "too many open uploads: at most 5 at once (policy \"avatars-uploads\"); retry in 300 s");
}

TEST(RefusalMessage, StoreUnavailableAndAllowed) {
  Decision down;
  down.allowed = false;
  down.reason = Reason::store_unavailable;
  EXPECT_EQ(refusal_message(down), "upload limits are unavailable; retry later");
  EXPECT_EQ(refusal_message(Decision{}), "");
}

TEST(ReasonNames, AreStable) {
  results_of([](Reason r) { return to_string(r); })
      .expect<Reason, std::string_view>({
          {Reason::within_limits, "within_limits"},
          {Reason::rate_limited, "rate_limited"},
          {Reason::too_many_open_uploads, "too_many_open_uploads"},
          {Reason::quota_exceeded, "quota_exceeded"},
          {Reason::store_unavailable, "store_unavailable"},
      });
  results_of([](StoreErrorKind k) { return to_string(k); })
      .expect<StoreErrorKind, std::string_view>({
          {StoreErrorKind::timeout, "timeout"},
          {StoreErrorKind::server, "server"},
      });
}

TEST(StoreErrorPolicy, ParsesExactly) {
  EXPECT_EQ(parse_store_error_policy("allow").value(), StoreErrorPolicy::allow);
  EXPECT_EQ(parse_store_error_policy("deny").value(), StoreErrorPolicy::deny);
  EXPECT_EQ(parse_store_error_policy("Deny").error(),
            "on_store_error \"Deny\" is neither \"allow\" nor \"deny\"");
  EXPECT_EQ(parse_store_error_policy("a\nb").error(),
            "on_store_error \"a?b\" is neither \"allow\" nor \"deny\"");
  EXPECT_EQ(to_string(StoreErrorPolicy::deny), "deny");
}

}  // namespace
}  // namespace upgate::limits
