// The verified-token cache: expiry, key generations, bounds.
#include "upgate/auth/verified_token_cache.hpp"

#include <gtest/gtest.h>

namespace upgate::auth {
namespace {

using namespace std::chrono_literals;

const std::chrono::sys_seconds kNow{std::chrono::seconds(1'700'000'000)};

PrincipalPtr principal(std::string id) {
  auto p = std::make_shared<Principal>();
  p->id = std::move(id);
  p->mode = AuthMode::kJwt;
  return p;
}

TEST(VerifiedTokenCache, HitsUntilValidBefore) {
  VerifiedTokenCache cache(100);
  cache.insert("token-a", principal("alice"), kNow + 60s, 1);
  ASSERT_NE(cache.find("token-a", kNow, 1), nullptr);
  EXPECT_EQ(cache.find("token-a", kNow + 59s, 1)->id, "alice");
  EXPECT_EQ(cache.find("token-a", kNow + 60s, 1), nullptr);
  EXPECT_EQ(cache.size(), 0u);  // an expired entry goes when found
  EXPECT_EQ(cache.find("token-b", kNow, 1), nullptr);
}

TEST(VerifiedTokenCache, AnotherKeyGenerationMisses) {
  VerifiedTokenCache cache(100);
  cache.insert("token-a", principal("alice"), kNow + 60s, 1);
  EXPECT_EQ(cache.find("token-a", kNow, 2), nullptr);
  EXPECT_EQ(cache.find("token-a", kNow, 1), nullptr);  // and it is gone
}

TEST(VerifiedTokenCache, TokensDifferingInOneByteAreDifferentEntries) {
  VerifiedTokenCache cache(100);
  cache.insert("aaaa.bbbb.cccc", principal("alice"), kNow + 60s, 1);
  EXPECT_EQ(cache.find("aaaa.bbbb.cccd", kNow, 1), nullptr);
  EXPECT_NE(cache.find("aaaa.bbbb.cccc", kNow, 1), nullptr);
}

TEST(VerifiedTokenCache, StaysWithinItsCapacity) {
  VerifiedTokenCache cache(64);
  for (int i = 0; i < 10'000; ++i) {
    cache.insert("token-" + std::to_string(i), principal("p"), kNow + 60s, 1);
  }
  EXPECT_LE(cache.size(), cache.capacity());
  EXPECT_GE(cache.capacity(), 64u);
  // The newest entries survive; the oldest were evicted.
  EXPECT_NE(cache.find("token-9999", kNow, 1), nullptr);
  EXPECT_EQ(cache.find("token-0", kNow, 1), nullptr);
}

TEST(VerifiedTokenCache, ReinsertingReplaces) {
  VerifiedTokenCache cache(16);
  cache.insert("t", principal("old"), kNow + 60s, 1);
  cache.insert("t", principal("new"), kNow + 60s, 2);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("t", kNow, 2)->id, "new");
}

}  // namespace
}  // namespace upgate::auth
