#include "upgate/events/content_rules.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

namespace upgate::events {
namespace {

using upgate::testing::results_of;

TEST(MediaTypeEssence, LowerCaseWithoutParameters) {
  results_of(media_type_essence)
      .expect({
          {"Text/HTML; charset=UTF-8", "text/html"},
          {"  image/png  ", "image/png"},
          {"image", ""},
          {"/png", ""},
          {"image/", ""},
          {"a/b/c", ""},
          {"image/p ng", ""},
          {"", ""},
      });
  results_of(canonical_media_type)
      .expect({
          {"image/JPG", "image/jpeg"},
          {"text/xml; charset=us-ascii", "application/xml"},
          {"application/CDFV2", "application/x-ole-storage"},
      });
}

TEST(ContentCompatible, Compatible) {
  results_of(content_compatible)
      .true_for({
          {"image/png", "image/png"},
          {"image/jpg", "image/jpeg"},
          {"IMAGE/PNG; x=y", "image/png"},
          {"application/octet-stream", "image/png"},
          {"application/octet-stream", "text/html"},
          {"text/csv", "text/plain"},
          {"text/csv", "text/csv"},
          {"text/markdown", "text/plain"},
          {"application/json", "text/plain"},
          {"application/json", "application/json"},
          {"application/ld+json", "application/json"},
          {"application/x-ndjson", "text/plain"},
          {"application/yaml", "text/plain"},
          {"text/plain", "text/html"},
          {"text/plain", "application/json"},
          {"text/plain", "image/svg+xml"},
          {"text/plain", "text/csv"},
          {"image/svg+xml", "image/svg+xml"},
          {"image/svg+xml", "text/xml"},
          {"image/svg+xml", "text/plain"},
          {"application/xml", "text/xml"},
          {"text/xml", "text/xml"},
          {"application/atom+xml", "text/xml"},
          {"text/html", "text/html"},
          {"text/html", "text/plain"},
          {"text/html", "text/xml"},
          {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "application/zip"},
          {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"},
          {"application/vnd.oasis.opendocument.text", "application/zip"},
          {"application/epub+zip", "application/zip"},
          {"application/java-archive", "application/zip"},
          {"application/x-zip-compressed", "application/zip"},
          {"application/msword", "application/CDFV2"},
          {"application/vnd.ms-excel", "application/x-ole-storage"},
          {"video/mp4", "video/quicktime"},
          {"audio/mp4", "audio/x-m4a"},
          {"audio/ogg", "application/ogg"},
          {"audio/mp3", "audio/mpeg"},
          {"audio/wav", "audio/x-wav"},
          {"application/x-protobuf", "application/octet-stream"},
          {"application/vnd.example.custom", "application/octet-stream"},
          {"application/vnd.example.custom", "application/x-empty"},
          {"text/plain", "application/x-empty"},
          {"text/csv", "application/x-empty"},
      });
}

TEST(ContentCompatible, Mismatches) {
  results_of(content_compatible)
      .false_for({
          {"image/jpeg", "image/png"},
          {"application/pdf", "image/png"},  // a PNG declared as PDF
          {"image/png", "text/html"},        // an HTML page declared as an image
          {"image/svg+xml", "text/html"},    // HTML is not SVG
          {"text/plain", "application/pdf"},
          {"text/csv", "application/zip"},
          {"application/json", "text/html"},
          {"image/png", "application/octet-stream"},  // too short or not a PNG at all
          {"image/png", "application/x-empty"},
          {"application/pdf", "application/octet-stream"},
          {"application/zip", "application/octet-stream"},
          {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "application/x-ole-storage"},
          {"application/msword", "application/zip"},
          {"video/mp4", "audio/mpeg"},
          {"text/html", "image/svg+xml"},
          {"application/zip", "application/x-tar"},
          {"image/png", ""},
          {"", "image/png"},
          {"not a type", "image/png"},
      });
}

TEST(CheckContent, Modes) {
  const TypeAllowed images = [](std::string_view t) { return t.starts_with("image/"); };
  EXPECT_TRUE(check_content(VerifyContent::kOff, "image/png", "text/html", images).ok);
  const ContentCheck mismatch =
      check_content(VerifyContent::kDeclared, "image/png", "text/html", images);
  EXPECT_FALSE(mismatch.ok);
  EXPECT_EQ(mismatch.detail, "the bytes are text/html, not image/png");
  EXPECT_TRUE(check_content(VerifyContent::kDeclared, "image/png", "image/png", images).ok);
  EXPECT_TRUE(check_content(VerifyContent::kStrict, "image/png", "image/png", images).ok);
  // octet-stream declared: anything is compatible, but strict wants the bytes allowed.
  EXPECT_TRUE(
      check_content(VerifyContent::kDeclared, "application/octet-stream", "text/html", images).ok);
  const ContentCheck strict =
      check_content(VerifyContent::kStrict, "application/octet-stream", "text/html", images);
  EXPECT_FALSE(strict.ok);
  EXPECT_EQ(strict.detail, "the bytes are text/html, which this profile does not allow");
  EXPECT_TRUE(
      check_content(VerifyContent::kStrict, "application/octet-stream", "image/gif", images).ok);
}

TEST(CheckContent, StrictLetsTheDeclaredTypeStandInForAGenericDetection) {
  const TypeAllowed json_only = [](std::string_view t) { return t == "application/json"; };
  EXPECT_TRUE(
      check_content(VerifyContent::kStrict, "application/json", "text/plain", json_only).ok);
  EXPECT_TRUE(
      check_content(VerifyContent::kStrict, "application/json", "application/json", json_only).ok);
  const TypeAllowed text_only = [](std::string_view t) { return t == "text/plain"; };
  EXPECT_TRUE(check_content(VerifyContent::kDeclared, "text/plain", "text/html", text_only).ok);
  EXPECT_FALSE(check_content(VerifyContent::kStrict, "text/plain", "text/html", text_only).ok);
  const TypeAllowed docx = [](std::string_view t) {
    return t == "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  };
  EXPECT_TRUE(
      check_content(VerifyContent::kStrict,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "application/zip", docx)
          .ok);
  EXPECT_FALSE(check_content(VerifyContent::kStrict, "image/png", "image/png", nullptr).ok);
  // Aliases reach the profile's rule in their canonical spelling as well.
  const TypeAllowed jpeg = [](std::string_view t) { return t == "image/jpeg"; };
  EXPECT_TRUE(check_content(VerifyContent::kStrict, "image/jpg", "image/jpeg", jpeg).ok);
}

TEST(VerifyContentMode, Names) {
  EXPECT_EQ(parse_verify_content("off"), VerifyContent::kOff);
  EXPECT_EQ(parse_verify_content("declared"), VerifyContent::kDeclared);
  EXPECT_EQ(parse_verify_content("strict"), VerifyContent::kStrict);
  EXPECT_FALSE(parse_verify_content("Strict"));
  EXPECT_FALSE(parse_verify_content(""));
  for (auto m : {VerifyContent::kOff, VerifyContent::kDeclared, VerifyContent::kStrict}) {
    EXPECT_EQ(parse_verify_content(to_string(m)), m);
  }
}

}  // namespace
}  // namespace upgate::events
