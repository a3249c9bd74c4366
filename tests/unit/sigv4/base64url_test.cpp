// Strict base64url: RFC 4648's test vectors, and every non-canonical spelling refused.
#include "upgate/sigv4/base64url.hpp"

#include <gtest/gtest.h>

namespace upgate::sigv4 {
namespace {

TEST(Base64url, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), std::string(plain));
  }
}

TEST(Base64url, UsesTheUrlAlphabet) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), bytes);
  EXPECT_EQ(base64url_decode("+/+/"), std::nullopt);
}

TEST(Base64url, RefusesPaddingWhitespaceAndStrayCharacters) {
  for (const std::string_view bad : {"Zg==", "Zg=", "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v.", "Z"}) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
  }
}

TEST(Base64url, RefusesNonZeroSpareBits) {
  // "Zg" is 'f'; "Zh" carries the same byte with a spare bit set.
  EXPECT_EQ(base64url_decode("Zh"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9"), std::nullopt);  // "fo" is Zm8
  EXPECT_EQ(base64url_decode("Zm8"), "fo");
}

TEST(Base64url, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(base64url_decode(base64url_encode(part)), part);
  }
}

}  // namespace
}  // namespace upgate::sigv4
