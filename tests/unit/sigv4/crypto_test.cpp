// SHA-256, HMAC-SHA256, hex, base64 and constant-time comparison against
// published vectors (FIPS 180-2, RFC 4231, RFC 4648).
#include "upgate/sigv4/crypto.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include <string>

namespace upgate::sigv4 {
namespace {

using upgate::testing::results_of;

std::string from_hex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(hex(sha256("")), kEmptySha256);
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
  Sha256 h;
  h.update(std::string_view(data).substr(0, 1));
  h.update(std::string_view(data).substr(1, 63));
  h.update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()) + 64,
                                         data.size() - 64));
  EXPECT_EQ(h.finish(), sha256(data));
}

struct HmacVector {
  std::string key_hex;
  std::string data;
  std::string mac_hex;
};

TEST(HmacSha256, Rfc4231) {
  const HmacVector vectors[] = {
      {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"4a656665", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      // Test case 6: a 131-byte key, longer than a block, is hashed first.
      {std::string(262, 'a'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
  };
  for (const auto& v : vectors) {
    const std::string key = from_hex(v.key_hex);
    EXPECT_EQ(hex(HmacKey(key).mac(v.data)), v.mac_hex);
    EXPECT_EQ(hex(HmacKey(std::span<const std::uint8_t>(
                              reinterpret_cast<const std::uint8_t*>(key.data()), key.size()))
                      .mac(v.data)),
              v.mac_hex);
  }
}

TEST(HmacSha256, KeyIsReusableAcrossMessages) {
  const HmacKey key("key");
  const auto first = key.mac("The quick brown fox jumps over the lazy dog");
  EXPECT_EQ(hex(first), "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_EQ(key.mac("The quick brown fox jumps over the lazy dog"), first);
  EXPECT_NE(key.mac("The quick brown fox jumps over the lazy cog"), first);
}

TEST(HmacSha256, EmptyKeyAndMessage) {
  EXPECT_EQ(hex(HmacKey(std::string_view()).mac("")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Hex, AppendsLowercase) {
  std::string out = "x";
  const std::uint8_t bytes[] = {0x00, 0xab, 0xff, 0x10};
  append_hex(out, bytes);
  EXPECT_EQ(out, "x00abff10");
}

TEST(Hex, Sha256DigestsAreSixtyFourLowerCaseDigits) {
  EXPECT_TRUE(is_hex_sha256(kEmptySha256));
  EXPECT_TRUE(is_hex_sha256(std::string(64, '0')));
  EXPECT_FALSE(is_hex_sha256(std::string(63, 'a')));
  EXPECT_FALSE(is_hex_sha256(std::string(65, 'a')));
  EXPECT_FALSE(is_hex_sha256(std::string(64, 'A')));  // SigV4 prints lower case only
  EXPECT_FALSE(is_hex_sha256(std::string(63, 'a') + "g"));
  EXPECT_FALSE(is_hex_sha256(""));
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    std::string decoded;
    EXPECT_TRUE(base64_decode(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string decoded;
  ASSERT_TRUE(base64_decode(base64_encode(all), decoded));
  EXPECT_EQ(decoded, all);
}

TEST(Base64, RejectsMalformedInput) {
  std::string out = "stale";
  for (std::string_view bad : {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zm=v", "=Zm9",
                               "Zh==", "Zm9=", "Zm 9v", "Zm9vYg==Zm9v", "Zm-_"}) {
    EXPECT_FALSE(base64_decode(bad, out)) << bad;
    EXPECT_TRUE(out.empty()) << bad;
  }
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  results_of(constant_time_equal)
      .true_for({
          {"", ""},
          {"abc", "abc"},
      })
      .false_for({
          {"abc", "abd"},
          {"abc", "ab"},
          {"", "a"},
      });
}

}  // namespace
}  // namespace upgate::sigv4
