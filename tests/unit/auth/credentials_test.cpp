// Authorization: Bearer and Cookie parsing, with hostile inputs.
#include "upgate/auth/credentials.hpp"

#include <gtest/gtest.h>

namespace upgate::auth {
namespace {

using Kind = ExtractedCredential::Kind;

TEST(BearerToken, TakesTheTokenAfterOneSpace) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi").value, "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer abc").value, "abc");
  EXPECT_EQ(bearer_token("BEARER abc").value, "abc");
  EXPECT_EQ(bearer_token("  Bearer abc  ").value, "abc");  // HTTP's OWS around the value
  EXPECT_EQ(bearer_token("Bearer a-b_c~d+e/f==").value, "a-b_c~d+e/f==");
  EXPECT_EQ(bearer_token("Bearer upk_x").kind, Kind::kPresent);
}

TEST(BearerToken, AbsentWhenNoneOrAnotherScheme) {
  EXPECT_EQ(bearer_token(std::nullopt).kind, Kind::kAbsent);
  EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz").kind, Kind::kAbsent);
  EXPECT_EQ(bearer_token("AWS4-HMAC-SHA256 Credential=x").kind, Kind::kAbsent);
  EXPECT_EQ(bearer_token("Bearerabc").kind, Kind::kAbsent);  // another scheme's name
}

TEST(BearerToken, MalformedWhenBearerIsBroken) {
  for (const std::string_view bad :
       {"Bearer", "Bearer ", "Bearer  abc", "Bearer\tabc", "Bearer abc def", "Bearer a=b",
        "Bearer abc,", "Bearer \"abc\"", "Bearer =abc", "Bearer a\xc3\xa9"}) {
    EXPECT_EQ(bearer_token(bad).kind, Kind::kMalformed) << bad;
  }
  const std::string huge = "Bearer " + std::string(kMaxCredentialBytes + 1, 'a');
  EXPECT_EQ(bearer_token(huge).kind, Kind::kMalformed);
  const std::string largest = "Bearer " + std::string(kMaxCredentialBytes, 'a');
  EXPECT_EQ(bearer_token(largest).kind, Kind::kPresent);
}

TEST(CookieValue, FindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("session=abc", "session").value, "abc");
  EXPECT_EQ(cookie_value("a=1; session=eyJ.x.y; b=2", "session").value, "eyJ.x.y");
  EXPECT_EQ(cookie_value("a=1;session=tok", "session").value, "tok");
  EXPECT_EQ(cookie_value("session=\"quoted\"", "session").value, "quoted");
  EXPECT_EQ(cookie_value("x=a=b; session=v=", "session").value, "v=");
}

TEST(CookieValue, NamesCompareExactly) {
  EXPECT_EQ(cookie_value("Session=abc", "session").kind, Kind::kAbsent);
  EXPECT_EQ(cookie_value("session_old=abc", "session").kind, Kind::kAbsent);
  EXPECT_EQ(cookie_value("xsession=abc", "session").kind, Kind::kAbsent);
  EXPECT_EQ(cookie_value(std::nullopt, "session").kind, Kind::kAbsent);
  EXPECT_EQ(cookie_value("", "session").kind, Kind::kAbsent);
  EXPECT_EQ(cookie_value("session=", "session").kind, Kind::kAbsent);  // cleared
}

TEST(CookieValue, SkipsJunkButNotABrokenValue) {
  EXPECT_EQ(cookie_value("junk; ;;session=ok", "session").value, "ok");
  for (const std::string_view bad : {"session=a b", "session=a\"b", "session=a\\b", "session=a,b",
                                     "session=\"open", "session=\x01", "session=caf\xc3\xa9"}) {
    EXPECT_EQ(cookie_value(bad, "session").kind, Kind::kMalformed) << bad;
  }
}

TEST(CookieValue, TheSameNameTwiceIsMalformed) {
  EXPECT_EQ(cookie_value("session=a; session=b", "session").kind, Kind::kMalformed);
  EXPECT_EQ(cookie_value("session=a; other=1; session=a", "session").kind, Kind::kMalformed);
}

TEST(CookieValue, IsBounded) {
  std::string many;
  for (int i = 0; i < 300; ++i) many += "c" + std::to_string(i) + "=1; ";
  EXPECT_EQ(cookie_value(many + "session=x", "session").kind, Kind::kMalformed);
  const std::string huge = "session=" + std::string(9000, 'a');
  EXPECT_EQ(cookie_value(huge, "session").kind, Kind::kMalformed);
}

}  // namespace
}  // namespace upgate::auth
