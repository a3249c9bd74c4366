// JWK import, JWK Sets (key by key), files, the shared secret, and key selection.
#include "upgate/auth/key_set.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

#include "jwt_vectors.hpp"
#include "support/temp_dir.hpp"

namespace upgate::auth {
namespace {

namespace json = boost::json;
using testing::vectors;

std::vector<std::string> kids(const KeySet& set) {
  std::vector<std::string> out;
  for (const KeyPtr& k : set.keys()) out.push_back(k->kid().value_or("-"));
  return out;
}

TEST(Jwks, ImportsEachFamily) {
  const auto parsed = parse_jwks(vectors().jwks_text("jwks"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_TRUE(parsed->rejected.empty());
  ASSERT_EQ(kids(parsed->keys), (std::vector<std::string>{"rsa-1", "ec-1", "ed-1", "ec384-1"}));
  const auto& k = parsed->keys.keys();
  EXPECT_EQ(k[0]->family(), KeyFamily::kRsa);
  EXPECT_EQ(k[0]->algorithm(), JwsAlgorithm::kRS256);
  EXPECT_EQ(k[1]->family(), KeyFamily::kEcP256);
  EXPECT_EQ(k[2]->family(), KeyFamily::kEd25519);
  EXPECT_EQ(k[2]->algorithm(), std::nullopt);
  EXPECT_EQ(k[3]->family(), KeyFamily::kEcP384);
}

TEST(Jwks, RefusesBadKeysOneByOneAndKeepsTheRest) {
  const auto parsed = parse_jwks(vectors().jwks_text("jwks_mixed"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(kids(parsed->keys), vectors().jwks_mixed_accepted);
  const std::vector<std::string> expected = {
      R"(key 0 (kid "rsa-1024"): RSA modulus of 1024 bits; 2048 to 8192 are accepted)",
      R"(key 1 (kid "ec-short-x"): EC coordinates must be 32 bytes each)",
      R"(key 2 (kid "ec-off-curve"): the EC point is not on the curve)",
      R"(key 3 (kid "ec-private"): the JWK holds private key parameters)",
      R"(key 4 (kid "x25519"): curve not supported for kty "OKP" (P-256, P-384, Ed25519 are))",
      R"(key 5 (kid "rsa-no-e"): "e" is missing)",
      R"(key 6 (kid "no-kty"): "kty" is missing)",
      R"(key 7 (kid "unknown-kty"): kty not supported (RSA, EC, OKP, oct are))",
      R"(key 8 (kid "ec-enc"): "use" is not "sig")",
      R"(key 9 (kid "ec-alg-rs256"): "alg" RS256 does not fit a key of type EC P-256)",
      R"(key 10 (kid "oct-in-url"): a shared secret (kty "oct") is refused in a key set from a URL)",
      R"(key 11: not a JSON object)",
  };
  EXPECT_EQ(parsed->rejected, expected);
}

TEST(Jwks, RejectionsNeverQuoteKeyMaterial) {
  const json::object& mixed = vectors().jwks.at("jwks_mixed").as_object();
  const auto parsed = parse_jwks(vectors().jwks_text("jwks_mixed"));
  ASSERT_TRUE(parsed.has_value());
  std::string all;
  for (const auto& r : parsed->rejected) all += r + "\n";
  for (const auto& key : mixed.at("keys").as_array()) {
    if (!key.is_object()) continue;
    for (const char* member : {"d", "k", "x", "y", "n"}) {
      if (const auto* v = key.as_object().if_contains(member)) {
        const std::string value(v->as_string().data(),
                                std::min<std::size_t>(16, v->as_string().size()));
        EXPECT_EQ(all.find(value), std::string::npos) << member << " quoted";
      }
    }
  }
}

TEST(Jwks, FailsAsAWholeOnlyWhenNotAJwkSet) {
  EXPECT_EQ(parse_jwks("[]").error(), "the JWK Set is not a JSON object");
  EXPECT_EQ(parse_jwks("{\"keys\":{}}").error(), "the JWK Set has no \"keys\" array");
  EXPECT_FALSE(parse_jwks("{\"keys\":[],\"keys\":[]}").has_value());
  EXPECT_FALSE(parse_jwks("not json").has_value());
  const auto empty = parse_jwks("{\"keys\":[]}");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->keys.empty());
}

TEST(Jwks, IsBounded) {
  std::string many = "{\"keys\":[";
  for (int i = 0; i < 65; ++i) many += i ? ",{}" : "{}";
  many += "]}";
  EXPECT_EQ(parse_jwks(many).error(), "the JWK Set holds 65 keys; at most 64 are accepted");
  EXPECT_FALSE(parse_jwks(vectors().jwks_text("jwks"), {}, JwksLimits{100, 64}).has_value());
}

TEST(Jwks, OctKeysOnlyWhenAllowedAndLongEnough) {
  const std::string k32 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";  // 32 bytes
  const std::string doc = R"({"keys":[{"kty":"oct","kid":"s","k":")" + k32 + R"("}]})";
  EXPECT_EQ(parse_jwks(doc)->keys.size(), 0u);
  const auto allowed = parse_jwks(doc, JwkImport{.allow_symmetric = true});
  ASSERT_EQ(allowed->keys.size(), 1u);
  const KeyPtr& key = allowed->keys.keys()[0];
  EXPECT_EQ(key->family(), KeyFamily::kHmac);
  EXPECT_TRUE(key->usable_with(JwsAlgorithm::kHS256));
  // RFC 7518 §3.2: HS384 and HS512 want keys as long as their hashes.
  EXPECT_FALSE(key->usable_with(JwsAlgorithm::kHS384));
  EXPECT_FALSE(key->usable_with(JwsAlgorithm::kHS512));
  EXPECT_FALSE(key->usable_with(JwsAlgorithm::kRS256));
  const std::string short_doc = R"({"keys":[{"kty":"oct","k":"c2hvcnQ"}]})";
  const auto short_key = parse_jwks(short_doc, JwkImport{.allow_symmetric = true});
  ASSERT_EQ(short_key->rejected.size(), 1u);
  EXPECT_EQ(short_key->rejected[0], "key 0: a shared secret must be 32 to 1024 bytes");
}

TEST(VerificationKey, FamilyAndJwkAlgDecideUsability) {
  const KeySet set = vectors().key_set("jwks");
  const KeyPtr& rsa = set.keys()[0];  // "alg": "RS256"
  EXPECT_TRUE(rsa->usable_with(JwsAlgorithm::kRS256));
  EXPECT_FALSE(rsa->usable_with(JwsAlgorithm::kRS384));
  EXPECT_FALSE(rsa->usable_with(JwsAlgorithm::kPS256));
  EXPECT_FALSE(rsa->usable_with(JwsAlgorithm::kHS256));
  // verify() itself refuses outside the family, whatever the bytes.
  EXPECT_FALSE(rsa->verify(JwsAlgorithm::kHS256, "a.b", std::string(32, 'x')));
  const KeyPtr& ed = set.keys()[2];  // no "alg"
  EXPECT_TRUE(ed->usable_with(JwsAlgorithm::kEdDSA));
  EXPECT_FALSE(ed->usable_with(JwsAlgorithm::kES256));
}

TEST(KeySet, SelectsByKidThenFamily) {
  const KeySet set = vectors().key_set("jwks");
  auto s = set.select("ec-1", JwsAlgorithm::kES256);
  EXPECT_EQ(s.outcome, KeySelection::Outcome::kFound);
  ASSERT_EQ(s.keys.size(), 1u);
  EXPECT_EQ(s.keys[0]->kid(), "ec-1");
  EXPECT_EQ(set.select("ec-1", JwsAlgorithm::kEdDSA).outcome, KeySelection::Outcome::kWrongFamily);
  EXPECT_EQ(set.select("nope", JwsAlgorithm::kES256).outcome, KeySelection::Outcome::kUnknownKid);
  // No kid: exactly one usable key (the P-256 one; the shared secret for HS256).
  EXPECT_EQ(set.select(std::nullopt, JwsAlgorithm::kES256).outcome, KeySelection::Outcome::kFound);
  EXPECT_EQ(set.select(std::nullopt, JwsAlgorithm::kHS256).outcome, KeySelection::Outcome::kFound);
  EXPECT_EQ(set.select(std::nullopt, JwsAlgorithm::kPS256).outcome,
            KeySelection::Outcome::kNoCandidate);
  const KeySet doubled = set.merged_with(vectors().key_set("jwks_rotated"));
  const auto ambiguous = doubled.select(std::nullopt, JwsAlgorithm::kES256);
  EXPECT_EQ(ambiguous.outcome, KeySelection::Outcome::kAmbiguous);
  EXPECT_TRUE(ambiguous.keys.empty());
}

class JwksFile : public ::testing::Test {
 protected:
  upgate::testing::TempDir temp_;
  std::filesystem::path dir_ = temp_.path();
};

TEST_F(JwksFile, LoadsAFileWithSharedSecrets) {
  const auto path = dir_ / "jwks.json";
  {
    std::ofstream out(path);
    out << R"({"keys":[{"kty":"oct","kid":"hs","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]})";
  }
  const auto parsed = load_jwks_file(path);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->keys.size(), 1u);
  EXPECT_EQ(parsed->keys.keys()[0]->family(), KeyFamily::kHmac);
}

TEST_F(JwksFile, CommittedFileLoads) {
  const auto parsed = load_jwks_file(testing::data_path("jwt/jwks.json"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->keys.size(), 4u);
}

TEST_F(JwksFile, ErrorsNameTheFile) {
  const auto missing = load_jwks_file(dir_ / "absent.json");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("absent.json"), std::string::npos);
  const auto big = dir_ / "big.json";
  {
    std::ofstream out(big);
    out << std::string(300 * 1024, ' ');
  }
  EXPECT_NE(load_jwks_file(big).error().find("is larger than"), std::string::npos);
  EXPECT_NE(load_jwks_file(dir_).error().find("not a regular file"), std::string::npos);
}

TEST(SharedSecret, FromTheNamedVariableOnly) {
  const std::string secret = vectors().hs_secret;
  const auto env =
      config::Environment::from({{"UPGATE_JWT_SECRET", secret}, {"SHORT", "tiny-secret"}});
  const auto key = shared_secret_from_env(env, "UPGATE_JWT_SECRET");
  ASSERT_TRUE(key.has_value()) << key.error();
  EXPECT_EQ(key->family(), KeyFamily::kHmac);
  EXPECT_EQ(key->kid(), std::nullopt);
  EXPECT_TRUE(key->usable_with(JwsAlgorithm::kHS512));

  const auto unset = shared_secret_from_env(env, "NOT_SET");
  EXPECT_EQ(unset.error(), "the environment variable NOT_SET is not set");
  const auto weak = shared_secret_from_env(env, "SHORT");
  ASSERT_FALSE(weak.has_value());
  EXPECT_EQ(weak.error(), "the secret in SHORT: a shared secret must be 32 to 1024 bytes");
  EXPECT_EQ(weak.error().find("tiny-secret"), std::string::npos);
}

TEST(SharedSecret, TakesAKidWhenConfigured) {
  const auto env = config::Environment::from({{"S", vectors().hs_secret}});
  const auto key = shared_secret_from_env(env, "S", "hs-1");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->kid(), "hs-1");
}

}  // namespace
}  // namespace upgate::auth
