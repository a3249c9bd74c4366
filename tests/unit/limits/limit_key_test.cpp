#include "upgate/limits/limit_key.hpp"

#include <gtest/gtest.h>

namespace upgate::limits {
namespace {

TEST(MakeLimitKey, PartsJoinedInOrder) {
  EXPECT_EQ(make_limit_key({{"profile", "avatars"}, {"principal", "alice"}}),
            "profile:avatars|principal:alice");
  EXPECT_EQ(make_limit_key({{"ip", "203.0.113.9"}}), "ip:203.0.113.9");
  EXPECT_EQ(make_limit_key({{"ip", "2001:db8::1"}}), "ip:2001%3Adb8%3A%3A1");
  EXPECT_EQ(make_limit_key({}), "");
}

TEST(MakeLimitKey, ValuesCannotForgeAnotherPart) {
  const std::string forged = make_limit_key({{"principal", "a|ip:1.2.3.4"}});
  EXPECT_EQ(forged, "principal:a%7Cip%3A1.2.3.4");
  EXPECT_NE(forged, make_limit_key({{"principal", "a"}, {"ip", "1.2.3.4"}}));
  EXPECT_EQ(make_limit_key({{"p", "100%"}}), "p:100%25");
  EXPECT_EQ(make_limit_key({{"p", std::string("a b\n\x01\xc3\xa9", 7)}}), "p:a%20b%0A%01%C3%A9");
}

TEST(MakeLimitKey, APartAtATimeIsTheSameKey) {
  std::string key;
  append_limit_key_part(key, "profile", "avatars");
  EXPECT_EQ(key, "profile:avatars");
  append_limit_key_part(key, "principal", "a|ip:1.2.3.4");
  EXPECT_EQ(key, make_limit_key({{"profile", "avatars"}, {"principal", "a|ip:1.2.3.4"}}));
}

TEST(StorageKey, ShortKeysAsTheyAre) {
  EXPECT_EQ(storage_key("principal:alice"), "principal:alice");
  const std::string limit(kMaxStoredKeyBytes, 'k');
  EXPECT_EQ(storage_key(limit), limit);
}

TEST(StorageKey, LongKeysBecomeAPrefixAndADigest) {
  const std::string long_key(300, 'x');
  const std::string stored = storage_key(long_key);
  EXPECT_EQ(stored.size(), 64u + 1 + 32);
  EXPECT_EQ(stored.substr(0, 65), std::string(64, 'x') + "#");
  EXPECT_EQ(stored, storage_key(long_key));
  EXPECT_NE(stored, storage_key(long_key + "y"));
}

}  // namespace
}  // namespace upgate::limits
