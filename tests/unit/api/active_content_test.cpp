#include "upgate/api/active_content.hpp"

#include <gtest/gtest.h>

#include "upgate/api/content_disposition.hpp"
#include "upgate/api/upload_profile.hpp"

namespace upgate::api {
namespace {

MediaType type_of(std::string_view text) {
  auto parsed = parse_media_type(text);
  if (!parsed) ADD_FAILURE() << text;
  return parsed ? *parsed : MediaType{};
}

constexpr const char* kActive[] = {"image/svg+xml",
                                   "text/html",
                                   "TEXT/HTML; charset=utf-8",
                                   "application/xhtml+xml",
                                   "text/xml",
                                   "application/xml",
                                   "application/rss+xml",
                                   "text/xsl",
                                   "application/xslt+xml",
                                   "text/javascript",
                                   "application/javascript",
                                   "application/x-javascript",
                                   "application/ecmascript"};
constexpr const char* kPassive[] = {
    "image/png",       "image/jpeg", "text/plain",       "text/csv",
    "application/pdf", "video/mp4",  "application/json", "application/octet-stream"};

TEST(ActiveContent, TypesThatRunScript) {
  for (const char* text : kActive) EXPECT_TRUE(is_active_media_type(type_of(text))) << text;
  for (const char* text : kPassive) EXPECT_FALSE(is_active_media_type(type_of(text))) << text;
}

TEST(ActiveContent, WildcardsNeverAdmitActiveTypes) {
  const auto image_any = *MediaTypePattern::parse("image/*");
  const auto text_any = *MediaTypePattern::parse("text/*");
  const auto any = *MediaTypePattern::parse("*/*");
  EXPECT_FALSE(image_any.matches(type_of("image/svg+xml")));
  EXPECT_TRUE(image_any.matches(type_of("image/png")));
  EXPECT_FALSE(text_any.matches(type_of("text/html")));
  EXPECT_FALSE(text_any.matches(type_of("text/xml")));
  EXPECT_FALSE(text_any.matches(type_of("text/javascript")));
  EXPECT_TRUE(text_any.matches(type_of("text/plain")));
  for (const char* text : kActive) EXPECT_FALSE(any.matches(type_of(text))) << text;
  for (const char* text : kPassive) EXPECT_TRUE(any.matches(type_of(text))) << text;
  // Named exactly, an active type is admitted: the operator asked for it.
  EXPECT_TRUE(MediaTypePattern::parse("image/svg+xml")->matches(type_of("image/svg+xml")));
  EXPECT_TRUE(MediaTypePattern::parse("text/html")->matches(type_of("Text/HTML")));
}

TEST(ActiveContent, AProfileWithoutATypeListAdmitsNoActiveType) {
  UploadProfile any = default_profile();
  ASSERT_TRUE(any.allowed_types.empty());
  EXPECT_TRUE(any.allows_type(type_of("image/png")));
  for (const char* text : kActive) EXPECT_FALSE(any.allows_type(type_of(text))) << text;
  UploadProfile svg = default_profile();
  svg.allowed_types = {*MediaTypePattern::parse("image/*"),
                       *MediaTypePattern::parse("image/svg+xml")};
  EXPECT_TRUE(svg.allows_type(type_of("image/svg+xml")));
  EXPECT_FALSE(svg.allows_type(type_of("text/html")));
}

TEST(ActiveContent, ActiveNamesAreNeverInline) {
  for (const char* name : {"a.svg", "a.SVG", "a.html", "a.htm", "a.xhtml", "a.xml", "a.js", "a.mjs",
                           "b.tar.svgz", "résumé.HTML"}) {
    EXPECT_TRUE(content_disposition(Disposition::inline_, name).starts_with("attachment; "))
        << name;
  }
  for (const char* name : {"a.png", "a.pdf", "a.txt", "a.svg.png", "a"}) {
    EXPECT_TRUE(content_disposition(Disposition::inline_, name).starts_with("inline; ")) << name;
  }
  EXPECT_TRUE(content_disposition(Disposition::attachment, "a.png").starts_with("attachment; "));
}

}  // namespace
}  // namespace upgate::api
