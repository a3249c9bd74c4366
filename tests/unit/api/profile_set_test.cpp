#include "upgate/api/profile_set.hpp"

#include <gtest/gtest.h>

namespace upgate::api {
namespace {

UploadProfile named(std::string name, std::string folder) {
  UploadProfile p;
  p.name = std::move(name);
  p.folder = std::move(folder);
  return p;
}

TEST(ProfileSet, DefaultProfileTakesAnySafeFolder) {
  auto set = ProfileSet::create({default_profile()});
  ASSERT_TRUE(set);
  const auto r = set->resolve("services/images", "folderName");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->folder, "services/images");
  EXPECT_EQ(r->profile->name, "default");
  for (const char* bad : {"..", "/etc", "a/../b", "a b"}) {
    const auto refused = set->resolve(bad, "folderName");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_folder);
  }
}

TEST(ProfileSet, NamedProfilesOnlyWithoutAnyFolder) {
  auto set = ProfileSet::create({named("avatars", "users/avatars"), named("docs", "docs")});
  ASSERT_TRUE(set);
  const auto r = set->resolve("avatars", "profile");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->folder, "users/avatars");
  const auto unknown = set->resolve("users/avatars", "profile");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::unknown_profile);
  EXPECT_EQ(unknown.error().field, "profile");
  EXPECT_FALSE(set->resolve("..", "profile"));
}

TEST(ProfileSet, CreateRefusesDuplicates) {
  EXPECT_FALSE(ProfileSet::create({named("a", "x"), named("a", "y")}));
  EXPECT_FALSE(ProfileSet::create({named("a", "x"), named("b", "x")}));
  auto any1 = default_profile();
  auto any2 = default_profile();
  any2.name = "other";
  EXPECT_FALSE(ProfileSet::create({any1, any2}));
}

TEST(ProfileSet, ForKeyPicksTheLongestFolder) {
  auto set = ProfileSet::create({named("all", "users"), named("avatars", "users/avatars")});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->for_key("users/avatars/2024/x.png")->profile->name, "avatars");
  EXPECT_EQ(set->for_key("users/docs/x.png")->profile->name, "all");
  EXPECT_FALSE(set->for_key("usersx/a.png"));
  EXPECT_FALSE(set->for_key("other/a.png"));
}

TEST(ProfileSet, ForKeyWithAnyFolderProfile) {
  auto set = ProfileSet::create({default_profile()});
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->for_key("services/2024/01/01/id-a.png"));
  EXPECT_FALSE(set->for_key("rootfile.png"));
  EXPECT_FALSE(set->for_key("../x/a.png"));
}

}  // namespace
}  // namespace upgate::api
