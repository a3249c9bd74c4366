#include "upgate/api/key_template.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace upgate::api {
namespace {

using namespace std::chrono;

const sys_seconds kTime = sys_days{year{2024} / 3 / 7} + hours(9) + minutes(5);
constexpr std::array<std::uint8_t, 16> kId = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                              0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

TEST(KeyTemplate, DefaultIsFolderDateIdName) {
  const auto key =
      KeyTemplate::default_template().render({"uploads", "cat.png", "png", kTime, kId});
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "uploads/2024/03/07/00112233445566778899aabbccddeeff-cat.png");
}

TEST(KeyTemplate, AllPlaceholders) {
  const auto t = KeyTemplate::compile("{folder}/{yyyy}{mm}{dd}-{hh}/{ext}/{id}.{ext}");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(*t->render({"f", "x.png", "png", kTime, kId}),
            "f/20240307-09/png/00112233445566778899aabbccddeeff.png");
}

TEST(KeyTemplate, FixedPrefixIsEverythingBeforeTheFirstVaryingPlaceholder) {
  EXPECT_EQ(KeyTemplate::default_template().fixed_prefix("photos"), "photos/");
  const auto t = KeyTemplate::compile("{folder}/in-box/{folder}.v2/{yyyy}/{id}");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->fixed_prefix("a/b"), "a/b/in-box/a/b.v2/");
  // Every rendered key starts with it.
  const auto key = t->render({"a/b", "x.png", "png", kTime, kId});
  ASSERT_TRUE(key);
  EXPECT_EQ(key->rfind(t->fixed_prefix("a/b"), 0), 0U) << *key;
}

TEST(KeyTemplate, CompileRefusesUnsafeTemplates) {
  for (const char* bad : {"{id}-{name}", "other/{folder}/{id}", "{folder}/{name}",
                          "{folder}/{id}/{nope}", "{folder}/{id", "{folder}//{id}",
                          "{folder}/{id}/", "{folder}/{id} {name}", "{folder}/../{id}x%"}) {
    EXPECT_FALSE(KeyTemplate::compile(bad)) << bad;
  }
}

TEST(KeyTemplate, RenderRefusesEmptyAndDotSegments) {
  const auto t = KeyTemplate::compile("{folder}/{ext}/{id}");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->render({"f", "noext", "", kTime, kId}));  // "f//id"
  EXPECT_FALSE(KeyTemplate::compile("{folder}/../{id}"));
  EXPECT_FALSE(KeyTemplate::compile("{folder}/./{id}"));
  // A segment made of placeholders that render to dots is caught at render time.
  const auto ext_only = KeyTemplate::compile("{folder}/{ext}/{id}");
  EXPECT_FALSE(ext_only->render({"f", "n", "", kTime, kId}));
}

TEST(KeyTemplate, RenderRefusesOverlongKeys) {
  const std::string folder(1000, 'a');
  EXPECT_FALSE(
      KeyTemplate::default_template().render({folder, std::string(100, 'n'), "", kTime, kId}));
}

TEST(KeyTemplate, RandomIdsDiffer) {
  std::set<std::array<std::uint8_t, 16>> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_id());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(WellFormedKey, Segments) {
  EXPECT_TRUE(well_formed_key("a/b/c.txt"));
  EXPECT_TRUE(well_formed_key("a/..b/c"));
  for (const char* bad : {"", "/a", "a/", "a//b", "a/./b", "a/../b", "..", ".", "a\nb", "a\x7f"}) {
    EXPECT_FALSE(well_formed_key(bad)) << bad;
  }
  EXPECT_FALSE(well_formed_key("bad\xFFutf8"));
  EXPECT_FALSE(well_formed_key(std::string(1025, 'a')));
}

}  // namespace
}  // namespace upgate::api
