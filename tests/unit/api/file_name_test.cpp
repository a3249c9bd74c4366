#include "upgate/api/file_name.hpp"

#include <gtest/gtest.h>

#include "upgate/text.hpp"

namespace upgate::api {
namespace {

std::string sanitized(std::string_view raw) {
  const auto out = sanitize_file_name(raw);
  return out ? out->name : "<none>";
}

TEST(SanitizeFileName, KeepsOrdinaryNames) {
  EXPECT_EQ(sanitized("photo.png"), "photo.png");
  EXPECT_EQ(sanitized("report-2024_v2.PDF"), "report-2024_v2.PDF");
  EXPECT_EQ(sanitize_file_name("report.PDF")->extension, "pdf");
}

TEST(SanitizeFileName, StripsPathComponents) {
  EXPECT_EQ(sanitized("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitized("C:\\Users\\me\\cat.jpg"), "cat.jpg");
  EXPECT_EQ(sanitized("/absolute/name.txt"), "name.txt");
  EXPECT_EQ(sanitized("dir/"), "<none>");
}

TEST(SanitizeFileName, OnlyDotsLeaveNothing) {
  EXPECT_EQ(sanitized("."), "<none>");
  EXPECT_EQ(sanitized(".."), "<none>");
  EXPECT_EQ(sanitized("......"), "<none>");
  EXPECT_EQ(sanitized(". . ."), "<none>");
}

TEST(SanitizeFileName, DropsControlCharactersAndNul) {
  EXPECT_EQ(sanitized(std::string("a\0b.txt", 7)), "ab.txt");
  EXPECT_EQ(sanitized("line\r\nbreak\t.txt"), "linebreak.txt");
  EXPECT_EQ(sanitized("\x7f\x01"), "<none>");
  EXPECT_EQ(sanitized("c1\xC2\x85.txt"), "c1.txt");  // U+0085 NEL
}

TEST(SanitizeFileName, DropsInvalidUtf8) {
  EXPECT_EQ(sanitized("bad\xFF\xFEname.png"), "badname.png");
  EXPECT_EQ(sanitized("over\xC0\xAFlong.png"), "overlong.png");  // overlong '/'
  EXPECT_EQ(sanitized("sur\xED\xA0\x80rogate.png"), "surrogate.png");
  EXPECT_EQ(sanitized("cut\xE2\x82"), "cut");
}

TEST(SanitizeFileName, DropsInvisibleAndBidiCharacters) {
  // U+202E RIGHT-TO-LEFT OVERRIDE would make "exe.png" display as "gnp.exe".
  EXPECT_EQ(sanitized("invoice\xE2\x80\xAEgnp.exe"), "invoicegnp.exe");
  EXPECT_EQ(sanitized("zero\xE2\x80\x8Bwidth.txt"), "zerowidth.txt");
  EXPECT_EQ(sanitized("\xEF\xBB\xBF"
                      "bom.txt"),
            "bom.txt");
}

TEST(SanitizeFileName, KeepsNonAsciiLetters) {
  EXPECT_EQ(sanitized("résumé.pdf"), "résumé.pdf");
  EXPECT_EQ(sanitized("写真.jpg"), "写真.jpg");
}

TEST(SanitizeFileName, ReplacesUnsafeAsciiWithOneUnderscorePerRun) {
  EXPECT_EQ(sanitized("my photo (1).png"), "my_photo_1.png");
  EXPECT_EQ(sanitized("a  &&  b.txt"), "a_b.txt");
  EXPECT_EQ(sanitized("q?x=1#frag%20.txt"), "q_x_1_frag_20.txt");
  EXPECT_EQ(sanitized("<script>.html"), "script.html");
}

TEST(SanitizeFileName, TrimsLeadingDotsSoNoHiddenFiles) {
  EXPECT_EQ(sanitized(".htaccess"), "htaccess");
  EXPECT_EQ(sanitized("..hidden.txt"), "hidden.txt");
  EXPECT_EQ(sanitized("name."), "name");
}

TEST(SanitizeFileName, LimitsLengthAndKeepsTheExtension) {
  const std::string raw = std::string(10000, 'a') + ".jpeg";
  const auto out = sanitize_file_name(raw);
  ASSERT_TRUE(out);
  EXPECT_LE(out->name.size(), kMaxSanitizedNameBytes);
  EXPECT_EQ(out->extension, "jpeg");
  EXPECT_EQ(out->name.substr(out->name.size() - 5), ".jpeg");
}

TEST(SanitizeFileName, CutsOnCharacterBoundaries) {
  std::string raw;
  for (int i = 0; i < 200; ++i) raw += "é";
  raw += ".txt";
  const auto out = sanitize_file_name(raw);
  ASSERT_TRUE(out);
  EXPECT_LE(out->name.size(), kMaxSanitizedNameBytes);
  EXPECT_TRUE(text::is_valid_utf8(out->name));
  EXPECT_EQ(out->extension, "txt");
}

TEST(SanitizeFileName, ResultNeverHoldsSeparatorsOrControls) {
  const std::string nasty[] = {"a/b\\c",    "..\\..\\x", "\x01/\x02",
                               "%2e%2e%2f", "a\nb/..",   std::string(5000, '/') + "x"};
  for (const std::string& raw : nasty) {
    const auto out = sanitize_file_name(raw);
    if (!out) continue;
    EXPECT_EQ(out->name.find_first_of("/\\"), std::string::npos) << raw;
    EXPECT_NE(out->name, ".");
    EXPECT_NE(out->name, "..");
    for (char c : out->name) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << raw;
  }
}

}  // namespace
}  // namespace upgate::api
