// SecretKey: comparison and the absence of accidental disclosure.
#include "upgate/sigv4/secret.hpp"

#include <gtest/gtest.h>

#include <type_traits>

namespace upgate::sigv4 {
namespace {

TEST(SecretKey, ComparesByValue) {
  EXPECT_EQ(SecretKey("abc"), SecretKey("abc"));
  EXPECT_FALSE(SecretKey("abc") == SecretKey("abd"));
  EXPECT_FALSE(SecretKey("abc") == SecretKey("ab"));
  EXPECT_TRUE(SecretKey().empty());
  EXPECT_FALSE(SecretKey("x").empty());
}

TEST(SecretKey, RevealsOnlyOnRequest) {
  const SecretKey key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  EXPECT_EQ(key.reveal(), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  EXPECT_EQ(SecretKey::redacted(), "<redacted>");
  static_assert(!std::is_convertible_v<SecretKey, std::string>);
  static_assert(!std::is_convertible_v<SecretKey, std::string_view>);
  static_assert(!std::is_convertible_v<std::string, SecretKey>);
}

TEST(SecretKey, CopiesAndMovesKeepTheValue) {
  SecretKey a("a long secret that does not fit the small-string buffer");
  SecretKey b = a;
  SecretKey c = std::move(a);
  EXPECT_EQ(b, c);
  SecretKey d("short");
  d = b;
  EXPECT_EQ(d.reveal(), b.reveal());
  SecretKey e("another value, long enough to live on the heap as well");
  e = std::move(d);
  EXPECT_EQ(e.reveal(), b.reveal());
  e = e;  // self-assignment keeps the value
  EXPECT_EQ(e.reveal(), b.reveal());
}

}  // namespace
}  // namespace upgate::sigv4
