// verify_jwt against tokens made by PyJWT and pyca/cryptography (tests/data/jwt).
#include "upgate/auth/jwt_verifier.hpp"

#include <gtest/gtest.h>

#include "jwt_vectors.hpp"

namespace upgate::auth {
namespace {

using testing::JwtVector;
using testing::vector_named;
using testing::vectors;

class JwtVectorTest : public ::testing::TestWithParam<JwtVector> {};

// Every vector gets its intended outcome; a refusal says which check failed and nothing
// of what the token held.
TEST_P(JwtVectorTest, GetsTheIntendedOutcome) {
  const JwtVector& v = GetParam();
  const auto& all = vectors();
  const auto result = verify_jwt(v.token, all.key_set(v.jwks), all.policy(v), all.now);
  if (v.expect == "accept") {
    ASSERT_TRUE(result.has_value()) << code(result.error().check) << ": " << result.error().message;
    EXPECT_EQ(result->principal->id, v.principal.value_or(""));
    EXPECT_EQ(result->principal->mode, AuthMode::kJwt);
    EXPECT_EQ(result->principal->claims.at("iss").as_string(), all.issuer);
    EXPECT_GT(result->valid_before, all.now);
    return;
  }
  ASSERT_FALSE(result.has_value()) << "accepted as " << result->principal->id;
  const AuthRefusal& refused = result.error();
  EXPECT_EQ(code(refused.check), v.expect) << refused.message;
  EXPECT_EQ(refused.status(), 401);
  EXPECT_NE(refused.www_authenticate().find("error=\"invalid_token\""), std::string::npos);

  const std::string shown = refused.message + "\n" + refused.www_authenticate("upgate");
  EXPECT_FALSE(refused.message.empty());
  for (const std::string_view secret :
       {std::string_view(all.hs_secret), std::string_view("alice"), std::string_view("mallory"),
        std::string_view("example.test"), std::string_view("evil")}) {
    EXPECT_EQ(shown.find(secret), std::string::npos) << secret << " in: " << shown;
  }
  // No run of 12 characters of the token.
  for (std::size_t i = 0; i + 12 <= v.token.size(); i += 6) {
    EXPECT_EQ(shown.find(v.token.substr(i, 12)), std::string::npos) << shown;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, JwtVectorTest, ::testing::ValuesIn(vectors().vectors),
                         [](const ::testing::TestParamInfo<JwtVector>& info) {
                           return info.param.name;
                         });

TEST(JwtVerifier, RotatedSetAcceptsTheNewKeyAndDropsTheOld) {
  const auto& all = vectors();
  const JwtVector& old_key = vector_named("rs256_ok");
  const JwtVector& new_key = vector_named("rs256_rotated_key");
  const KeySet rotated = all.key_set("jwks_rotated");
  const auto accepted = verify_jwt(new_key.token, rotated, all.policy(new_key), all.now);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  const auto dropped = verify_jwt(old_key.token, rotated, all.policy(old_key), all.now);
  ASSERT_FALSE(dropped.has_value());
  EXPECT_EQ(dropped.error().check, AuthCheck::kUnknownKey);
}

TEST(JwtVerifier, UnknownKidIsReportedAsTheRefreshableCase) {
  const auto& all = vectors();
  const JwtVector& v = vector_named("unknown_kid");
  bool unknown_kid = false;
  const auto result =
      verify_jwt(v.token, all.key_set(v.jwks), all.policy(v), all.now, &unknown_kid);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(unknown_kid);
  // Without a kid, finding no key is not something a fresher set changes.
  const JwtVector& no_kid = vector_named("es256_no_kid_one_candidate");
  bool flagged = true;
  const auto none = verify_jwt(no_kid.token, KeySet(), all.policy(no_kid), all.now, &flagged);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().check, AuthCheck::kUnknownKey);
  EXPECT_FALSE(flagged);
}

TEST(JwtVerifier, NoKidWithSeveralCandidatesIsRefused) {
  const auto& all = vectors();
  const JwtVector& v = vector_named("es256_no_kid_one_candidate");
  // Two P-256 keys and a token without kid: never a guess.
  const KeySet twice = all.key_set("jwks").merged_with(all.key_set("jwks_rotated"));
  const auto result = verify_jwt(v.token, twice, all.policy(v), all.now);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().check, AuthCheck::kUnknownKey);
}

TEST(JwtVerifier, LeewayIsThePolicys) {
  const auto& all = vectors();
  const JwtVector& v = vector_named("expired_within_leeway");  // exp = now - 30
  JwtPolicy strict = all.policy(v);
  strict.leeway = std::chrono::seconds(0);
  const auto result = verify_jwt(v.token, all.key_set(v.jwks), strict, all.now);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().check, AuthCheck::kExpired);
  // And a token is accepted up to exp + leeway, exclusive.
  const JwtVector& ok = vector_named("es256_ok");  // exp = now + 3600
  JwtPolicy policy = all.policy(ok);
  const KeySet keys = all.key_set(ok.jwks);
  const auto last = verify_jwt(ok.token, keys, policy, all.now + std::chrono::seconds(3659));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->valid_before, all.now + std::chrono::seconds(3660));
  EXPECT_FALSE(
      verify_jwt(ok.token, keys, policy, all.now + std::chrono::seconds(3660)).has_value());
}

TEST(JwtVerifier, AudienceMayBeAnyOfSeveral) {
  const auto& all = vectors();
  const JwtVector& v = vector_named("wrong_audience");  // aud "someone-else"
  JwtPolicy policy = all.policy(v);
  policy.audiences = {all.audience, "someone-else"};
  EXPECT_TRUE(verify_jwt(v.token, all.key_set(v.jwks), policy, all.now).has_value());
}

TEST(JwtVerifier, TokenSizeBoundIsThePolicys) {
  const auto& all = vectors();
  const JwtVector& v = vector_named("rs256_ok");
  JwtPolicy policy = all.policy(v);
  policy.max_token_bytes = v.token.size() - 1;
  const auto result = verify_jwt(v.token, all.key_set(v.jwks), policy, all.now);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().check, AuthCheck::kMalformedToken);
}

TEST(JwtVerifier, ClaimsAreTheWholePayload) {
  const auto& all = vectors();
  const JwtVector& v = vector_named("es256_ok");
  const auto result = verify_jwt(v.token, all.key_set(v.jwks), all.policy(v), all.now);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->principal->claims.at("email").as_string(), "alice@example.test");
  EXPECT_EQ(result->principal->claims.at("aud").as_string(), all.audience);
}

TEST(JwtPolicy, ValidateNamesTheField) {
  JwtPolicy policy;
  EXPECT_EQ(policy.validate().error(), "issuer is required");
  policy.issuer = "https://issuer.example/";
  EXPECT_EQ(policy.validate().error(), "audience is required");
  policy.audiences = {"api"};
  EXPECT_TRUE(policy.validate().has_value());
  policy.leeway = std::chrono::seconds(301);
  EXPECT_EQ(policy.validate().error(), "leeway must be 0 to 300 seconds");
  policy.leeway = std::chrono::seconds(60);
  policy.principal_claim.clear();
  EXPECT_EQ(policy.validate().error(), "principal_claim must not be empty");
}

}  // namespace
}  // namespace upgate::auth
