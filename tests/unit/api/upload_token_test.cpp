#include "upgate/api/upload_token.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include "upgate/sigv4/base64url.hpp"

namespace upgate::api {
namespace {

using upgate::testing::results_of;

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

const std::string kSecretA(40, 'a');
const std::string kSecretB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-second";
constexpr sys_seconds kNow{std::chrono::seconds(1'800'000'000)};

UploadTokenSigner signer(std::vector<std::string> secrets) {
  auto s = UploadTokenSigner::create(std::move(secrets));
  EXPECT_TRUE(s.has_value());
  return std::move(s).value();
}

UploadClaims claims() {
  UploadClaims c;
  c.key = "uploads/alice/2026/12/07/report final.pdf";
  c.upload_id = "2~xYz-upload.id_01";
  c.principal = "alice@example.com";
  c.profile = "documents";
  c.size = 123'456'789'012;
  c.content_type = "application/pdf";
  c.checksum = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  c.expires_at = kNow + 3600s;
  return c;
}

std::string token_for(const UploadTokenSigner& s, const UploadClaims& c) {
  auto t = s.sign(c);
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error());
  return t ? *t : std::string();
}

TokenRefusal refusal(const Expected<UploadClaims, TokenRefusal>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? TokenRefusal::kMissing : r.error();
}

TEST(UploadToken, RoundTripsEveryField) {
  const auto s = signer({kSecretA});
  const auto token = token_for(s, claims());
  auto back = s.verify(token, kNow);
  ASSERT_TRUE(back.has_value()) << to_string(back.error());
  EXPECT_EQ(*back, claims());
}

TEST(UploadToken, IsUrlSafeAndCompact) {
  const auto s = signer({kSecretA});
  const auto token = token_for(s, claims());
  EXPECT_TRUE(token.starts_with("ut1."));
  for (char c : token) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
        << "character " << c;
  }
  // Binary payload + 32-byte MAC: the fields' bytes plus a few dozen, in base64url.
  EXPECT_LT(token.size(), 4 + (claims().key.size() + 150 + 43) * 4 / 3 + 60);
}

TEST(UploadToken, ASingleUploadAndAnAnonymousCallerHaveEmptyFields) {
  const auto s = signer({kSecretA});
  UploadClaims c = claims();
  c.upload_id.clear();
  c.principal.clear();
  c.checksum.clear();
  auto back = s.verify(token_for(s, c), kNow);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, c);
}

TEST(UploadToken, ExpiresAtItsExpiry) {
  const auto s = signer({kSecretA});
  const auto token = token_for(s, claims());
  EXPECT_TRUE(s.verify(token, kNow + 3599s).has_value());
  EXPECT_EQ(refusal(s.verify(token, kNow + 3600s)), TokenRefusal::kExpired);
  EXPECT_EQ(refusal(s.verify(token, kNow + 86400s)), TokenRefusal::kExpired);
}

TEST(UploadToken, EveryAlteredFieldIsRefused) {
  const auto s = signer({kSecretA});
  const auto original = token_for(s, claims());
  const auto dot = original.rfind('.');
  const auto mac = original.substr(dot);
  // A token whose payload was re-encoded with one field changed but the old MAC kept.
  std::vector<UploadClaims> altered(8, claims());
  altered[0].key += "x";
  altered[1].upload_id = "other";
  altered[2].principal = "mallory";
  altered[3].profile = "avatars";
  altered[4].size += 1;
  altered[5].content_type = "text/html";
  altered[6].checksum = "";
  altered[7].expires_at += 86400s;
  const auto other = signer({kSecretB});
  for (const auto& c : altered) {
    const auto forged = token_for(other, c);
    const auto spliced = forged.substr(0, forged.rfind('.')) + mac;
    EXPECT_EQ(refusal(s.verify(spliced, kNow)), TokenRefusal::kBadSignature);
    EXPECT_EQ(refusal(s.verify(forged, kNow)), TokenRefusal::kBadSignature);
  }
}

TEST(UploadToken, EveryFlippedCharacterIsRefused) {
  const auto s = signer({kSecretA});
  const auto token = token_for(s, claims());
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(s.verify(t, kNow).has_value()) << "position " << i;
  }
}

TEST(UploadToken, TruncatedOrExtendedTokensAreRefused) {
  const auto s = signer({kSecretA});
  const auto token = token_for(s, claims());
  for (std::size_t n = 0; n < token.size(); ++n) {
    EXPECT_FALSE(s.verify(token.substr(0, n), kNow).has_value()) << "length " << n;
  }
  EXPECT_FALSE(s.verify(token + "A", kNow).has_value());
  EXPECT_FALSE(s.verify(token + "AAAA", kNow).has_value());
  EXPECT_FALSE(s.verify(token + ".", kNow).has_value());
  EXPECT_EQ(refusal(s.verify("", kNow)), TokenRefusal::kMissing);
}

TEST(UploadToken, AShortMacIsABadSignature) {
  const auto s = signer({kSecretA});
  const auto token = token_for(s, claims());
  EXPECT_EQ(refusal(s.verify(token.substr(0, token.size() - 4), kNow)),
            TokenRefusal::kBadSignature);
}

TEST(UploadToken, RotationSignsWithTheFirstAndAcceptsAny) {
  const auto old_only = signer({kSecretA});
  const auto rotated = signer({kSecretB, kSecretA});
  const auto new_only = signer({kSecretB});
  const auto old_token = token_for(old_only, claims());
  const auto new_token = token_for(rotated, claims());
  EXPECT_TRUE(rotated.verify(old_token, kNow).has_value());
  EXPECT_TRUE(rotated.verify(new_token, kNow).has_value());
  EXPECT_TRUE(new_only.verify(new_token, kNow).has_value());
  EXPECT_EQ(refusal(new_only.verify(old_token, kNow)), TokenRefusal::kBadSignature);
  EXPECT_EQ(refusal(old_only.verify(new_token, kNow)), TokenRefusal::kBadSignature);
}

TEST(UploadToken, BindingChecksPrincipalKeyAndUpload) {
  const auto s = signer({kSecretA});
  const auto token = token_for(s, claims());
  const auto c = claims();
  EXPECT_TRUE(s.verify_for(token, kNow, {c.principal, c.key, c.upload_id}).has_value());
  EXPECT_TRUE(s.verify_for(token, kNow, {c.principal, std::nullopt, std::nullopt}).has_value());
  EXPECT_EQ(refusal(s.verify_for(token, kNow, {"mallory", c.key, c.upload_id})),
            TokenRefusal::kPrincipalMismatch);
  EXPECT_EQ(refusal(s.verify_for(token, kNow, {"", c.key, c.upload_id})),
            TokenRefusal::kPrincipalMismatch);
  EXPECT_EQ(refusal(s.verify_for(token, kNow, {c.principal, "other/key", c.upload_id})),
            TokenRefusal::kKeyMismatch);
  EXPECT_EQ(refusal(s.verify_for(token, kNow, {c.principal, c.key, "other-upload"})),
            TokenRefusal::kUploadMismatch);
  // An expired token is refused as expired whatever it binds.
  EXPECT_EQ(refusal(s.verify_for(token, kNow + 7200s, {"mallory", c.key, c.upload_id})),
            TokenRefusal::kExpired);
}

TEST(UploadToken, AnAnonymousTokenIsNotAnyonesToken) {
  const auto s = signer({kSecretA});
  UploadClaims c = claims();
  c.principal.clear();
  const auto token = token_for(s, c);
  EXPECT_TRUE(s.verify_for(token, kNow, {"", c.key, c.upload_id}).has_value());
  EXPECT_EQ(refusal(s.verify_for(token, kNow, {"alice@example.com", c.key, c.upload_id})),
            TokenRefusal::kPrincipalMismatch);
}

TEST(UploadToken, HostileInputIsMalformedNotACrash) {
  const auto s = signer({kSecretA});
  const std::vector<std::string> hostile = {
      "ut1.",
      "ut1..",
      "ut1...",
      "ut1.%%%.AAAA",
      "ut1.AAAA.!!!!",
      "ut1.A.AAAA",
      "ut2." + sigv4::base64url_encode(std::string("\x01\x00\x00", 3)) + ".AAAA",
      "UT1.AAAA.AAAA",
      std::string("ut1.AA\0A.AAAA", 13),
      "ut1.AAAA=.AAAA",
      "ut1. AAAA.AAAA",
      std::string(UploadTokenSigner::kMaxTokenLength + 1, 'A'),
      "ut1." + std::string(UploadTokenSigner::kMaxTokenLength, 'A') + ".AAAA",
  };
  for (const auto& t : hostile) {
    auto r = s.verify(t, kNow);
    ASSERT_FALSE(r.has_value()) << t;
    EXPECT_TRUE(r.error() == TokenRefusal::kMalformed || r.error() == TokenRefusal::kBadSignature)
        << t << " → " << to_string(r.error());
  }
}

TEST(UploadToken, AnIntactMacOverAHostilePayloadIsStillMalformed) {
  // Only a holder of the secret can make these, but the decoder must not trust them.
  const auto s = signer({kSecretA});
  const auto valid = token_for(s, claims());
  const auto payload = *sigv4::base64url_decode(valid.substr(4, valid.rfind('.') - 4));
  sigv4::HmacKey key(kSecretA);
  auto make = [&](const std::string& p) {
    const auto mac = key.mac("upgate upload token v1\n" + p);
    return "ut1." + sigv4::base64url_encode(p) + "." +
           sigv4::base64url_encode(std::span<const std::uint8_t>(mac));
  };
  EXPECT_TRUE(s.verify(make(payload), kNow).has_value());  // the MAC recipe is right
  const std::vector<std::string> payloads = {
      std::string("\x02", 1) + payload.substr(1),                           // another version
      payload.substr(0, payload.size() - 1),                                // a field cut short
      payload + "x",                                                        // trailing bytes
      std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),  // varint overflow
      std::string("\x01\x80\x00", 3),                                       // non-canonical varint
      std::string("\x01\x01\x01\xff\xff\x03", 6),                           // a huge field length
  };
  for (const auto& p : payloads) {
    EXPECT_EQ(refusal(s.verify(make(p), kNow)), TokenRefusal::kMalformed);
  }
}

TEST(UploadToken, SecretsAreCheckedAndNeverEchoed) {
  auto none = UploadTokenSigner::create({});
  ASSERT_FALSE(none.has_value());
  const std::string short_secret = "tooshort-secret-value";
  auto weak = UploadTokenSigner::create({kSecretA, short_secret});
  ASSERT_FALSE(weak.has_value());
  EXPECT_NE(weak.error().find("secret 2"), std::string::npos) << weak.error();
  EXPECT_EQ(weak.error().find(short_secret), std::string::npos);
  EXPECT_EQ(weak.error().find(kSecretA), std::string::npos);
}

TEST(UploadToken, TheTokenDoesNotContainTheSecret) {
  const auto s = signer({kSecretB});
  const auto token = token_for(s, claims());
  EXPECT_EQ(token.find(kSecretB), std::string::npos);
  const auto payload = *sigv4::base64url_decode(token.substr(4, token.rfind('.') - 4));
  EXPECT_EQ(payload.find(kSecretB), std::string::npos);
}

TEST(UploadToken, SecretsFromTheEnvironmentInRotationOrder) {
  const auto env = config::Environment::from(
      {{"UPGATE_UPLOAD_TOKEN_SECRETS", "  " + kSecretB + "\t" + kSecretA + "\n"}});
  auto s = UploadTokenSigner::from_environment(env, "UPGATE_UPLOAD_TOKEN_SECRETS");
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_EQ(s->secret_count(), 2u);
  const auto token = token_for(*s, claims());
  EXPECT_TRUE(signer({kSecretB}).verify(token, kNow).has_value());
  EXPECT_FALSE(signer({kSecretA}).verify(token, kNow).has_value());

  auto unset = UploadTokenSigner::from_environment(config::Environment::from({}), "NOPE");
  ASSERT_FALSE(unset.has_value());
  EXPECT_NE(unset.error().find("NOPE"), std::string::npos);
  const std::string weak_secret = "weak-secret";
  auto weak = UploadTokenSigner::from_environment(
      config::Environment::from({{"S", kSecretA + " " + weak_secret}}), "S");
  ASSERT_FALSE(weak.has_value());
  EXPECT_EQ(weak.error().find(weak_secret), std::string::npos);
}

TEST(UploadToken, EphemeralSignersDoNotAcceptEachOthersTokens) {
  const auto a = UploadTokenSigner::ephemeral();
  const auto b = UploadTokenSigner::ephemeral();
  const auto token = token_for(a, claims());
  EXPECT_TRUE(a.verify(token, kNow).has_value());
  EXPECT_EQ(refusal(b.verify(token, kNow)), TokenRefusal::kBadSignature);
}

TEST(UploadToken, OverlongFieldsAreNotSigned) {
  const auto s = signer({kSecretA});
  UploadClaims c = claims();
  c.key.assign(UploadTokenSigner::kMaxKeyBytes + 1, 'k');
  EXPECT_FALSE(s.sign(c).has_value());
  c = claims();
  c.principal.assign(UploadTokenSigner::kMaxFieldBytes + 1, 'p');
  EXPECT_FALSE(s.sign(c).has_value());
  c = claims();
  c.key.assign(UploadTokenSigner::kMaxKeyBytes, 'k');
  c.upload_id.assign(UploadTokenSigner::kMaxFieldBytes, 'u');
  const auto token = token_for(s, c);
  EXPECT_TRUE(s.verify(token, kNow).has_value());
}

TEST(UploadToken, RefusalsHaveStableNames) {
  results_of([](TokenRefusal r) { return to_string(r); })
      .expect<TokenRefusal, std::string_view>({
          {TokenRefusal::kMissing, "missing"},
          {TokenRefusal::kMalformed, "malformed"},
          {TokenRefusal::kBadSignature, "bad_signature"},
          {TokenRefusal::kExpired, "expired"},
          {TokenRefusal::kPrincipalMismatch, "principal_mismatch"},
          {TokenRefusal::kKeyMismatch, "key_mismatch"},
          {TokenRefusal::kUploadMismatch, "upload_mismatch"},
      });
}

}  // namespace
}  // namespace upgate::api
