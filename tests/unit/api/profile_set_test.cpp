#include "upgate/api/profile_set.hpp"

#include <gtest/gtest.h>

#include "support/upload_profiles.hpp"

namespace upgate::api {
namespace {

using upgate::testing::profile_named;

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
  auto set = ProfileSet::create(
      {profile_named("avatars", "users/avatars"), profile_named("docs", "docs")});
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
  EXPECT_FALSE(ProfileSet::create({profile_named("a", "x"), profile_named("a", "y")}));
  EXPECT_FALSE(ProfileSet::create({profile_named("a", "x"), profile_named("b", "x")}));
  auto any1 = default_profile();
  auto any2 = default_profile();
  any2.name = "other";
  EXPECT_FALSE(ProfileSet::create({any1, any2}));
}

TEST(ProfileSet, ForKeyPicksTheLongestFolder) {
  auto set = ProfileSet::create(
      {profile_named("all", "users"), profile_named("avatars", "users/avatars")});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->for_key("users/avatars/2024/x.png")->profile->name, "avatars");
  EXPECT_EQ(set->for_key("users/docs/x.png")->profile->name, "all");
  EXPECT_FALSE(set->for_key("usersx/a.png"));
  EXPECT_FALSE(set->for_key("other/a.png"));
}

TEST(ProfileSet, ForKeyWithAnyFolderProfileFindsTheFolderTheTemplateMatched) {
  auto set = ProfileSet::create({default_profile()});
  ASSERT_TRUE(set);
  const auto found = set->for_key("services/img/2024/01/01/00112233445566778899aabbccddeeff-a.png");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->folder, "services/img");
  // Keys the template could not have produced belong to no profile: 404, as for any key
  // upgate did not mint.
  for (const char* key :
       {"services/2024/01/01/id-a.png", "rootfile.png", "../x/a.png", "backups/db.sql"}) {
    const auto refused = set->for_key(key);
    ASSERT_FALSE(refused) << key;
    EXPECT_EQ(refused.error().code, ErrorCode::not_found) << key;
  }
}

// A folder the client names for the `*` profile never reaches a named profile's folder:
// the `*` profile's looser rules would otherwise apply there.
TEST(ProfileSet, AnyFolderProfileCannotTakeANamedProfilesFolder) {
  auto set = ProfileSet::create({profile_named("avatars", "users/avatars"),
                                 profile_named("documents", "docs"), default_profile()});
  ASSERT_TRUE(set);
  for (const char* folder : {"users/avatars", "users/avatars/big", "docs", "docs/x/y"}) {
    const auto refused = set->resolve(folder, "folderName");
    ASSERT_FALSE(refused) << folder;
    EXPECT_EQ(refused.error().code, ErrorCode::folder_reserved) << folder;
    EXPECT_EQ(refused.error().field, "folderName");
    EXPECT_EQ(http_status(refused.error().code), 403);
  }
  // Beside or above a named folder is the `*` profile's; so is a profile's name itself.
  for (const char* folder : {"users", "users/avatarsx", "docsx", "doc", "Docs"}) {
    const auto ok = set->resolve(folder, "folderName");
    ASSERT_TRUE(ok) << folder;
    EXPECT_EQ(ok->profile->name, "default") << folder;
  }
  EXPECT_EQ(set->resolve("avatars", "folderName")->profile->name, "avatars");
  // Keys in a named folder are the named profile's, never the `*` profile's.
  EXPECT_EQ(set->for_key("docs/2024/01/01/00112233445566778899aabbccddeeff-a.png")->profile->name,
            "documents");
}

TEST(ProfileSet, KeepsToOwnFolder) {
  UploadProfile all = profile_named("all", "users");
  UploadProfile any = default_profile();
  auto set = ProfileSet::create({all, profile_named("avatars", "users/avatars"), any});
  ASSERT_TRUE(set);
  const UploadProfile& users = set->profiles()[0];
  const UploadProfile& star = set->profiles()[2];
  EXPECT_TRUE(set->keeps_to_own_folder(users, "users/x/1"));
  EXPECT_FALSE(set->keeps_to_own_folder(users, "users/avatars/1"));
  EXPECT_TRUE(set->keeps_to_own_folder(star, "other/avatars/1"));
  EXPECT_FALSE(set->keeps_to_own_folder(star, "users/avatars/1"));
  EXPECT_FALSE(set->keeps_to_own_folder(star, "users/1"));
}

}  // namespace
}  // namespace upgate::api
