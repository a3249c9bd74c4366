// Signing-key derivation (the AWS documentation's example) and the key cache.
#include "upgate/sigv4/signing_key.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace upgate::sigv4 {
namespace {

const SecretKey kDocSecret{"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};

// The string to sign and signature of the aws-signing-test-suite's get-vanilla
// case: the key is right iff the signature is.
constexpr std::string_view kVanillaStringToSign =
    "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
constexpr std::string_view kVanillaSignature =
    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

TEST(CredentialScope, Formats) {
  EXPECT_EQ((CredentialScope{"20150830", "us-east-1", "iam"}.to_string()),
            "20150830/us-east-1/iam/aws4_request");
}

TEST(SigningKey, DerivesTheTestSuiteKey) {
  const SigningKey key(kDocSecret, "20150830", "us-east-1", "service");
  EXPECT_EQ(key.sign(kVanillaStringToSign), kVanillaSignature);
  std::string out = "sig=";
  key.sign_into(kVanillaStringToSign, out);
  EXPECT_EQ(out, "sig=" + std::string(kVanillaSignature));
}

TEST(SigningKey, DocumentedDerivationOfKSigning) {
  // AWS General Reference, "Examples of how to derive a signing key":
  // kSigning for 20120215/us-east-1/iam, printed as hex.
  const SecretKey secret{"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
  HmacKey k1("AWS4" + std::string(secret.reveal()));
  auto d = k1.mac("20120215");
  d = HmacKey(std::span<const std::uint8_t>(d)).mac("us-east-1");
  d = HmacKey(std::span<const std::uint8_t>(d)).mac("iam");
  d = HmacKey(std::span<const std::uint8_t>(d)).mac("aws4_request");
  EXPECT_EQ(hex(d), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  const SigningKey key(secret, "20120215", "us-east-1", "iam");
  EXPECT_EQ(key.mac("x"), HmacKey(std::span<const std::uint8_t>(d)).mac("x"));
}

TEST(SigningKey, EveryInputChangesTheKey) {
  const auto base = SigningKey(kDocSecret, "20150830", "us-east-1", "service").sign("m");
  EXPECT_NE(SigningKey(SecretKey("other"), "20150830", "us-east-1", "service").sign("m"), base);
  EXPECT_NE(SigningKey(kDocSecret, "20150831", "us-east-1", "service").sign("m"), base);
  EXPECT_NE(SigningKey(kDocSecret, "20150830", "eu-west-1", "service").sign("m"), base);
  EXPECT_NE(SigningKey(kDocSecret, "20150830", "us-east-1", "s3").sign("m"), base);
}

TEST(SigningKeyCache, ReturnsTheSameKeyForTheSameScope) {
  SigningKeyCache cache;
  const auto a = cache.get(kDocSecret, "20150830", "us-east-1", "service");
  const auto b =
      cache.get(SecretKey(std::string(kDocSecret.reveal())), "20150830", "us-east-1", "service");
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->sign(kVanillaStringToSign), kVanillaSignature);
}

TEST(SigningKeyCache, SeparatesSecretsAndScopes) {
  SigningKeyCache cache;
  const auto a = cache.get(kDocSecret, "20150830", "us-east-1", "service");
  const auto other_secret = cache.get(SecretKey("x"), "20150830", "us-east-1", "service");
  const auto other_date = cache.get(kDocSecret, "20150831", "us-east-1", "service");
  // Field boundaries matter: "us-east-1"+"service" must not equal "us-east-1s"+"ervice".
  const auto shifted = cache.get(kDocSecret, "20150830", "us-east-1s", "ervice");
  EXPECT_NE(a->sign("m"), other_secret->sign("m"));
  EXPECT_NE(a->sign("m"), other_date->sign("m"));
  EXPECT_NE(a->sign("m"), shifted->sign("m"));
  EXPECT_EQ(a->sign(kVanillaStringToSign), kVanillaSignature);
}

TEST(SigningKeyCache, StaysCorrectPastItsCapacity) {
  SigningKeyCache cache;
  for (int i = 0; i < 1100; ++i) {
    cache.get(SecretKey("secret-" + std::to_string(i)), "20150830", "us-east-1", "service");
  }
  EXPECT_EQ(cache.get(kDocSecret, "20150830", "us-east-1", "service")->sign(kVanillaStringToSign),
            kVanillaSignature);
}

TEST(SigningKeyCache, IsSafeAcrossThreads) {
  SigningKeyCache cache;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const auto key = cache.get(kDocSecret, "20150830", "us-east-1", "service");
        if (key->sign(kVanillaStringToSign) != kVanillaSignature) ++wrong;
        cache.get(SecretKey("s" + std::to_string((i + t) % 7)), "20150830", "us-east-1", "x");
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(SigningKeyCache, GlobalIsOneInstance) {
  EXPECT_EQ(&SigningKeyCache::global(), &SigningKeyCache::global());
}

}  // namespace
}  // namespace upgate::sigv4
