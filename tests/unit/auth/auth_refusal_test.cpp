// Refusals: statuses, WWW-Authenticate per RFC 6750 §3, codes and modes.
#include "upgate/auth/auth_refusal.hpp"

#include <gtest/gtest.h>

#include "upgate/auth/algorithm.hpp"

namespace upgate::auth {
namespace {

TEST(AuthRefusal, MissingCredentialsCarryNoErrorCode) {
  const AuthRefusal r = refusal(AuthCheck::kMissingCredentials);
  EXPECT_EQ(r.status(), 401);
  EXPECT_EQ(r.www_authenticate(), "Bearer");
  EXPECT_EQ(r.www_authenticate("upgate"), "Bearer realm=\"upgate\"");
}

TEST(AuthRefusal, TokenProblemsAreInvalidToken) {
  const AuthRefusal r = refusal(AuthCheck::kExpired);
  EXPECT_EQ(r.status(), 401);
  EXPECT_EQ(r.www_authenticate("upgate"),
            "Bearer realm=\"upgate\", error=\"invalid_token\", "
            "error_description=\"the token has expired\"");
}

TEST(AuthRefusal, BrokenHeadersAreInvalidRequest) {
  EXPECT_EQ(refusal(AuthCheck::kMalformedCredentials).www_authenticate(),
            "Bearer error=\"invalid_request\", "
            "error_description=\"the credentials header is malformed\"");
}

TEST(AuthRefusal, KeysUnavailableIs503WithoutChallenge) {
  const AuthRefusal r = refusal(AuthCheck::kKeysUnavailable);
  EXPECT_EQ(r.status(), 503);
  EXPECT_EQ(r.www_authenticate(), "");
}

TEST(AuthRefusal, DescriptionKeepsToRfc6750Characters) {
  const AuthRefusal r = refusal(AuthCheck::kInvalidClaim, "a \"quoted\" \\ claim\r\n");
  EXPECT_EQ(r.www_authenticate(),
            "Bearer error=\"invalid_token\", error_description=\"a quoted  claim\"");
}

TEST(AuthRefusal, EveryCheckHasACodeAndASentence) {
  for (int i = 0; i <= static_cast<int>(AuthCheck::kKeysUnavailable); ++i) {
    const auto check = static_cast<AuthCheck>(i);
    EXPECT_NE(code(check), "unknown");
    EXPECT_FALSE(refusal(check).message.empty());
  }
  EXPECT_EQ(code(AuthCheck::kKeyAlgorithmMismatch), "key_algorithm_mismatch");
  EXPECT_EQ(to_string(AuthMode::kApiKey), "api_key");
}

TEST(AlgorithmSet, DefaultsAndParsing) {
  EXPECT_EQ(AlgorithmSet::defaults().to_string(), "RS256, ES256, EdDSA");
  const std::vector<std::string> names = {"HS256", "PS256"};
  EXPECT_EQ(AlgorithmSet::parse(names)->to_string(), "PS256, HS256");
  const std::vector<std::string> none = {"RS256", "none"};
  const auto refused = AlgorithmSet::parse(none);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("unknown JWS algorithm \"none\""), std::string::npos);
  EXPECT_FALSE(AlgorithmSet::parse(std::vector<std::string>{"rs256"}).has_value());
  EXPECT_FALSE(AlgorithmSet::parse(std::vector<std::string>{}).has_value());
  EXPECT_EQ(parse_jws_algorithm("none"), std::nullopt);
  EXPECT_EQ(family_of(JwsAlgorithm::kPS256), KeyFamily::kRsa);
}

}  // namespace
}  // namespace upgate::auth
