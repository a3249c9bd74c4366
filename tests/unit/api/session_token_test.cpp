#include "upgate/api/session_token.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace upgate::api {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

constexpr sys_seconds kNow{std::chrono::seconds(1'800'000'000)};

UploadTokenSigner signer(std::string secret = std::string(40, 'k')) {
  return *UploadTokenSigner::create({std::move(secret)});
}

Caller jwt_caller(std::string id) {
  auto principal = std::make_shared<auth::Principal>();
  principal->id = std::move(id);
  principal->mode = auth::AuthMode::kJwt;
  principal->claims["sub"] = principal->id;
  principal->claims["org"] = "acme";
  principal->claims["exp"] = 1800000300;  // not a string: not carried
  return Caller{principal, auth::AuthMode::kJwt, {}};
}

TEST(SessionToken, CarriesThePrincipalItsStringClaimsAndTheProfile) {
  const auto s = signer();
  const SessionTokens sessions(s);
  auto token = sessions.mint(jwt_caller("alice"), "photos", kNow + 3600s);
  ASSERT_TRUE(token.has_value()) << token.error();
  EXPECT_TRUE(token->starts_with("us1.")) << *token;
  auto session = sessions.open(*token, kNow);
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->caller.id(), "alice");
  EXPECT_EQ(session->caller.mode, auth::AuthMode::kJwt);
  EXPECT_EQ(session->profile, "photos");
  EXPECT_EQ(session->expires_at, kNow + 3600s);
  const auto& claims = session->caller.principal->claims;
  EXPECT_EQ(claims.at("org").as_string(), "acme");
  EXPECT_FALSE(claims.contains("exp"));
}

TEST(SessionToken, ExpiresAndIsBoundToItsSecret) {
  const auto s = signer();
  const SessionTokens sessions(s);
  const auto token = *sessions.mint(jwt_caller("alice"), "photos", kNow + 60s);
  EXPECT_EQ(sessions.open(token, kNow + 60s).error(), TokenRefusal::kExpired);
  const auto other = signer(std::string(40, 'o'));
  EXPECT_EQ(SessionTokens(other).open(token, kNow).error(), TokenRefusal::kBadSignature);
  std::string altered = token;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(sessions.open(altered, kNow).has_value());
}

TEST(SessionToken, NeitherTokenIsAcceptedAsTheOther) {
  const auto s = signer();
  const SessionTokens sessions(s);
  const auto session = *sessions.mint(jwt_caller("alice"), "photos", kNow + 600s);
  EXPECT_EQ(s.verify(session, kNow).error(), TokenRefusal::kMalformed);
  // The same bytes under the other prefix: the MAC context differs, so it is altered.
  EXPECT_EQ(s.verify("ut1." + session.substr(4), kNow).error(), TokenRefusal::kBadSignature);

  UploadClaims upload;
  upload.key = "photos/a.png";
  upload.upload_id = "s3-upload-1";
  upload.principal = "alice";
  upload.profile = "photos";
  upload.content_type = "jwt";
  upload.expires_at = kNow + 600s;
  const auto upload_token = *s.sign(upload);
  EXPECT_EQ(sessions.open(upload_token, kNow).error(), TokenRefusal::kMalformed);
  EXPECT_EQ(sessions.open("us1." + upload_token.substr(4), kNow).error(),
            TokenRefusal::kBadSignature);
}

TEST(SessionToken, AnAnonymousSessionHasNoPrincipal) {
  const auto s = signer();
  const SessionTokens sessions(s);
  auto session = sessions.open(*sessions.mint(Caller{}, "dropbox", kNow + 60s), kNow);
  ASSERT_TRUE(session.has_value());
  EXPECT_FALSE(session->caller.authenticated());
  EXPECT_EQ(session->profile, "dropbox");
}

TEST(SessionToken, ClaimsThatDoNotFitAreRefusedWithoutTheirValues) {
  const auto s = signer();
  auto caller = jwt_caller("alice");
  auto principal = std::make_shared<auth::Principal>(*caller.principal);
  principal->claims["big"] = std::string(2000, 'x');
  caller.principal = principal;
  auto token = SessionTokens(s).mint(caller, "photos", kNow + 60s);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().find("xxxx"), std::string::npos);
}

}  // namespace
}  // namespace upgate::api
