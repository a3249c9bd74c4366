#include "upgate/api/folder_name.hpp"

#include <gtest/gtest.h>

namespace upgate::api {
namespace {

TEST(CheckFolderName, AcceptsSafeNames) {
  for (const char* good : {"uploads", "avatars", "users/42/docs", "a.b_c-d", "UPPER"}) {
    EXPECT_TRUE(check_folder_name(good, "folderName")) << good;
  }
}

TEST(CheckFolderName, RefusesTraversalLeadingSlashAndUnsafeBytes) {
  for (const char* bad : {"", "..", ".", "../etc", "a/../b", "a/./b", "/abs", "trail/", "a//b",
                          "sp ace", "back\\slash", "perc%2e", "nul\x01", "é"}) {
    const auto result = check_folder_name(bad, "folderName");
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_folder);
    EXPECT_EQ(result.error().field, "folderName");
  }
}

TEST(CheckFolderName, RefusesOversizedNames) {
  EXPECT_FALSE(check_folder_name(std::string(65, 'a'), "f"));
  EXPECT_FALSE(check_folder_name("a/b/c/d/e/f/g/h/i", "f"));
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'a') + "/";
  long_name += "x";
  EXPECT_FALSE(check_folder_name(long_name, "f"));
}

}  // namespace
}  // namespace upgate::api
