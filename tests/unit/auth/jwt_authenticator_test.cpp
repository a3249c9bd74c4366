// The JWT mode end to end in process: vectors' tokens, a JWKS cache with an injected
// fetcher and clock, the verified-token cache, and the unknown-kid refresh.
#include "upgate/auth/jwt_authenticator.hpp"

#include <gtest/gtest.h>

#include "jwt_vectors.hpp"

namespace upgate::auth {
namespace {

using namespace std::chrono_literals;
using testing::JwtVector;
using testing::vector_named;
using testing::vectors;

class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  JwtAuthenticatorTest() {
    keys_ = std::make_shared<JwksCache>(
        KeySet(),
        [this]() -> Expected<JwksResponse, std::string> {
          ++fetches_;
          if (down_) return Unexpected(std::string("connection refused"));
          return JwksResponse{vectors().jwks_text(served_), "max-age=3600"};
        },
        [this] { return now_; });
    JwtPolicy policy = vectors().policy(vector_named("es256_ok"));
    authenticator_ = std::make_unique<JwtAuthenticator>(policy, keys_, [this] { return now_; });
  }

  std::chrono::sys_seconds now_ = vectors().now;
  std::string served_ = "jwks";
  bool down_ = false;
  int fetches_ = 0;
  std::shared_ptr<JwksCache> keys_;
  std::unique_ptr<JwtAuthenticator> authenticator_;
};

TEST_F(JwtAuthenticatorTest, AcceptsAndCaches) {
  ASSERT_TRUE(keys_->refresh());
  const std::string& token = vector_named("es256_ok").token;
  const auto first = authenticator_->try_authenticate(token);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->has_value());
  const auto second = authenticator_->try_authenticate(token);
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ(first->value().get(), second->value().get()) << "the cached principal is shared";
  EXPECT_EQ(second->value()->id, "alice");
}

TEST_F(JwtAuthenticatorTest, CachedResultEndsWithTheToken) {
  ASSERT_TRUE(keys_->refresh());
  const std::string& token = vector_named("es256_ok").token;  // exp = now + 3600
  ASSERT_TRUE(authenticator_->authenticate(token).has_value());
  now_ += 3600s + 59s;
  EXPECT_TRUE(authenticator_->authenticate(token).has_value());
  now_ += 1s;
  const auto expired = authenticator_->authenticate(token);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().check, AuthCheck::kExpired);
}

TEST_F(JwtAuthenticatorTest, RefusalsAreFinal) {
  ASSERT_TRUE(keys_->refresh());
  const auto refused = authenticator_->try_authenticate(vector_named("wrong_audience").token);
  ASSERT_TRUE(refused.has_value());
  ASSERT_FALSE(refused->has_value());
  EXPECT_EQ(refused->error().check, AuthCheck::kWrongAudience);
}

TEST_F(JwtAuthenticatorTest, UnknownKidAsksForOneRefreshThenPicksUpTheRotation) {
  ASSERT_TRUE(keys_->refresh());
  const std::string& rotated = vector_named("rs256_rotated_key").token;
  // Within 30 s of the start-up fetch: a final unknown_key, no fetch.
  now_ += 10s;
  const auto early = authenticator_->try_authenticate(rotated);
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->error().check, AuthCheck::kUnknownKey);
  EXPECT_EQ(fetches_, 1);
  // Later: try_authenticate hands over, authenticate fetches the rotated set.
  now_ += 20s;
  served_ = "jwks_rotated";
  EXPECT_FALSE(authenticator_->try_authenticate(rotated).has_value());
  EXPECT_EQ(fetches_, 1) << "try_authenticate never fetches";
  const auto accepted = authenticator_->authenticate(rotated);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  EXPECT_EQ(fetches_, 2);
  // The old key is gone, and with it the old token, cached or not.
  const auto old = authenticator_->authenticate(vector_named("rs256_ok").token);
  ASSERT_FALSE(old.has_value());
  EXPECT_EQ(old.error().check, AuthCheck::kUnknownKey);
  EXPECT_EQ(fetches_, 2) << "at most one fetch per 30 s";
}

TEST_F(JwtAuthenticatorTest, RotationInvalidatesCachedResults) {
  ASSERT_TRUE(keys_->refresh());
  const std::string& token = vector_named("rs256_ok").token;
  ASSERT_TRUE(authenticator_->authenticate(token).has_value());
  served_ = "jwks_rotated";
  now_ += 3600s;
  keys_->step();  // max-age ran out: the rotated set replaces the old one
  now_ -= 3600s;  // judge the token at its original time: only the keys changed
  const auto after = authenticator_->try_authenticate(token);
  ASSERT_TRUE(after.has_value());
  ASSERT_FALSE(after->has_value());
  EXPECT_EQ(after->error().check, AuthCheck::kUnknownKey);
}

TEST_F(JwtAuthenticatorTest, KeysUnavailableUntilTheFirstFetch) {
  down_ = true;
  EXPECT_FALSE(keys_->refresh());
  const std::string& token = vector_named("es256_ok").token;
  // Within 30 s of the failed fetch: 503, no new fetch.
  const auto refused = authenticator_->authenticate(token);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().check, AuthCheck::kKeysUnavailable);
  EXPECT_EQ(refused.error().status(), 503);
  EXPECT_EQ(fetches_, 1);
  // The provider comes back; 30 s later a token triggers the fetch and is accepted.
  down_ = false;
  now_ += 30s;
  const auto accepted = authenticator_->authenticate(token);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  EXPECT_EQ(fetches_, 2);
}

TEST_F(JwtAuthenticatorTest, DownLaterKeepsServingTheLastGoodSet) {
  ASSERT_TRUE(keys_->refresh());
  down_ = true;
  now_ += 3600s;
  keys_->step();
  EXPECT_EQ(fetches_, 2);
  now_ -= 3600s;
  EXPECT_TRUE(authenticator_->authenticate(vector_named("es256_ok").token).has_value());
}

}  // namespace
}  // namespace upgate::auth
