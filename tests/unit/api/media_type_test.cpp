#include "upgate/api/media_type.hpp"

#include <gtest/gtest.h>

namespace upgate::api {
namespace {

TEST(ParseMediaType, AcceptsTypesBrowsersSend) {
  for (const char* good :
       {"image/png", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain;charset=utf-8", "text/plain; charset=\"utf-8\"",
        "application/x-www-form-urlencoded", "IMAGE/PNG"}) {
    EXPECT_TRUE(parse_media_type(good)) << good;
  }
  const auto t = parse_media_type("Image/PNG");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->type, "image");
  EXPECT_EQ(t->subtype, "png");
}

TEST(ParseMediaType, RefusesWhatIsNotTypeSlashSubtype) {
  for (const char* bad : {"", "png", "image/", "/png", "image/png/x", " image/png", "image/png ",
                          "image /png", "image/png;", "image/png; a", "image/png\r\nX-Evil: 1",
                          "text/plain; a=\"unterminated", "ima\x01ge/png", "image/pn g"}) {
    EXPECT_FALSE(parse_media_type(bad)) << bad;
  }
  EXPECT_FALSE(parse_media_type("a/" + std::string(300, 'b')));
}

TEST(MediaTypePattern, ExactWildcardAndAny) {
  const auto exact = MediaTypePattern::parse("image/png");
  const auto family = MediaTypePattern::parse("image/*");
  const auto any = MediaTypePattern::parse("*/*");
  ASSERT_TRUE(exact && family && any);
  const MediaType png{"image", "png"};
  const MediaType jpeg{"image", "jpeg"};
  const MediaType pdf{"application", "pdf"};
  EXPECT_TRUE(exact->matches(png));
  EXPECT_FALSE(exact->matches(jpeg));
  EXPECT_TRUE(family->matches(jpeg));
  EXPECT_FALSE(family->matches(pdf));
  EXPECT_TRUE(any->matches(pdf));
  EXPECT_TRUE(MediaTypePattern::parse("IMAGE/PNG")->matches(png));
}

TEST(MediaTypePattern, RefusesMalformedPatterns) {
  for (const char* bad : {"image", "*/png", "im*ge/png", "image/p*", "image/png;q=1", ""}) {
    EXPECT_FALSE(MediaTypePattern::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace upgate::api
