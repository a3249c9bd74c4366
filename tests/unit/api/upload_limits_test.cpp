// The admission an API request makes: whose keys, which checks, and how a decision of
// the in-memory limiter becomes the API's answer.
#include "upgate/api/upload_limits.hpp"

#include <gtest/gtest.h>

#include "upgate/limits/memory_limiter.hpp"

namespace upgate::api {
namespace {

using boost::asio::ip::make_address;

UploadProfile profile_with(ProfileLimits limits) {
  UploadProfile p = default_profile();
  p.name = "avatars";
  p.limits = limits;
  return p;
}

limits::RateSpec rate(std::string_view text) {
  return *limits::parse_rate(text);
}

TEST(UploadLimits, NoLimitsNoAdmission) {
  const UploadProfile p = profile_with({});
  EXPECT_FALSE(make_admission({}, {&p, {"alice", {}}, true, 100, "r1"}));
  EXPECT_FALSE(make_admission({}, {&p, {"", make_address("192.0.2.1")}, false, 0, "r1"}));
}

TEST(UploadLimits, KeysFollowThePrincipalOrTheAddress) {
  EXPECT_EQ(limit_subject_key({"alice", make_address("192.0.2.1")}), "principal:alice");
  EXPECT_EQ(limit_subject_key({"", make_address("192.0.2.1")}), "ip:192.0.2.1");
  EXPECT_EQ(limit_subject_key({"", make_address("2001:db8::1")}), "ip:2001%3Adb8%3A%3A/64");
  // A principal id cannot pose as an address or another part.
  EXPECT_EQ(limit_subject_key({"ip:1.2.3.4", {}}), "principal:ip%3A1.2.3.4");
}

// A profile with its own rate, quota and open uploads.
UploadProfile fully_limited() {
  ProfileLimits own;
  own.rate = rate("60/min");
  own.quota = *limits::parse_quota("1 GB/day");
  own.max_open_uploads = limits::OpenUploadsSpec{3};
  return profile_with(own);
}

LimitsConfig global_rate() {
  LimitsConfig global;
  global.rate = rate("600/min");
  return global;
}

TEST(UploadLimits, EveryCheckThatApplies) {
  const UploadProfile p = fully_limited();
  const LimitsConfig global = global_rate();
  const auto a = make_admission(global, {&p, {"alice", {}}, true, 1000, "req-1"});
  ASSERT_TRUE(a);
  ASSERT_EQ(a->rates.size(), 2u);
  EXPECT_EQ(a->rates[0].policy, "avatars");
  EXPECT_EQ(a->rates[0].key, "profile:avatars|principal:alice");
  EXPECT_EQ(a->rates[1].policy, "global");
  EXPECT_EQ(a->rates[1].key, "principal:alice");
  ASSERT_TRUE(a->open_upload);
  EXPECT_EQ(a->open_upload->policy, "avatars-uploads");
  EXPECT_EQ(a->open_upload->upload_id, "req-1");
  EXPECT_EQ(a->open_upload->ttl, p.url_lifetime);
  ASSERT_TRUE(a->quota);
  EXPECT_EQ(a->quota->policy, "avatars-quota");
  EXPECT_EQ(a->quota->bytes, 1000u);
  EXPECT_EQ(limits::admission_problem(*a), "");

  // A download: rates only.
  const auto d = make_admission(global, {&p, {"alice", {}}, false, 0, "req-2"});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->rates.size(), 2u);
  EXPECT_FALSE(d->open_upload);
  EXPECT_FALSE(d->quota);
}

TEST(UploadLimits, AMultipartUploadTakesItsSlotAndBytesWithoutTheRates) {
  // Once S3 has named a multipart upload: its slot (keyed by S3's uploadId, for the upload
  // token's life) and its bytes; its create call already counted against the rates.
  const UploadProfile p = fully_limited();
  const LimitsConfig global = global_rate();
  const auto a = make_admission(
      global, {&p, {"alice", {}}, true, 5000, "s3-upload-id", false, std::chrono::hours(24)});
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->rates.empty());
  ASSERT_TRUE(a->open_upload);
  EXPECT_EQ(a->open_upload->key, profile_limit_key(p, {"alice", {}}));
  EXPECT_EQ(a->open_upload->key, "profile:avatars|principal:alice");
  EXPECT_EQ(a->open_upload->upload_id, "s3-upload-id");
  EXPECT_EQ(a->open_upload->ttl, std::chrono::hours(24));
  ASSERT_TRUE(a->quota);
  EXPECT_EQ(a->quota->bytes, 5000u);
  EXPECT_EQ(limits::admission_problem(*a), "");
  // A ttl past the limiter's bound is capped to it.
  const auto capped = make_admission(
      global, {&p, {"alice", {}}, true, 1, "id", false, std::chrono::hours(24 * 30)});
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->open_upload->ttl, limits::kMaxUploadTtl);
  // A profile with rates only has nothing to check then.
  ProfileLimits rates_only;
  rates_only.rate = rate("60/min");
  const UploadProfile r = profile_with(rates_only);
  EXPECT_FALSE(make_admission(global, {&r, {"alice", {}}, true, 1, "id", false}));
}

TEST(UploadLimits, TheGlobalQuotaWhenTheProfileHasNone) {
  const UploadProfile p = profile_with({});
  LimitsConfig global;
  global.quota = *limits::parse_quota("5 GB/h");
  const auto a = make_admission(global, {&p, {"", make_address("192.0.2.1")}, true, 7, "r"});
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->quota);
  EXPECT_EQ(a->quota->policy, "global-quota");
  EXPECT_EQ(a->quota->key, "ip:192.0.2.1");
  EXPECT_FALSE(make_admission(global, {&p, {"bob", {}}, false, 0, "r"}));
}

TEST(UploadLimits, DecisionsBecomeTheRightCodes) {
  ProfileLimits own;
  own.rate = *limits::parse_rate("2/min");
  own.quota = *limits::parse_quota("100 B/day");
  own.max_open_uploads = limits::OpenUploadsSpec{1};
  const UploadProfile p = profile_with(own);
  limits::MemoryLimiter limiter(
      {.max_keys = 1000, .clock = [] { return std::chrono::microseconds(1'700'000'000'000'000); }});
  const auto admit = [&](std::string_view who, std::uint64_t bytes, std::string_view id) {
    return limiter.decide(*make_admission({}, {&p, {who, {}}, true, bytes, id}));
  };
  EXPECT_TRUE(admit("alice", 10, "a").allowed);
  const limits::Decision open = admit("alice", 10, "b");
  EXPECT_EQ(refusal_code(open), ErrorCode::too_many_open_uploads);
  const limits::Decision rated = admit("alice", 10, "c");
  EXPECT_EQ(refusal_code(rated), ErrorCode::rate_limited);
  EXPECT_EQ(http_status(refusal_code(rated)), 429);
  EXPECT_NE(limits::refusal_message(rated).find("2 requests per minute"), std::string::npos);
  // Another principal has its own buckets.
  const limits::Decision quota = admit("bob", 1000, "d");
  EXPECT_EQ(refusal_code(quota), ErrorCode::quota_exceeded);
  EXPECT_NE(limits::refusal_message(quota).find("100 bytes per day"), std::string::npos)
      << limits::refusal_message(quota);
  limits::Decision down;
  down.allowed = false;
  down.reason = limits::Reason::store_unavailable;
  EXPECT_EQ(refusal_code(down), ErrorCode::limits_unavailable);
  EXPECT_EQ(http_status(ErrorCode::limits_unavailable), 503);
}

}  // namespace
}  // namespace upgate::api
