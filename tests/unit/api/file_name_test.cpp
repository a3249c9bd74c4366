#include "upgate/api/file_name.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include "upgate/text.hpp"

namespace upgate::api {
namespace {

using upgate::testing::results_of;

std::string sanitized(std::string_view raw) {
  const auto out = sanitize_file_name(raw);
  return out ? out->name : "<none>";
}

TEST(SanitizeFileName, KeepsOrdinaryNames) {
  results_of(sanitized).expect({
      {"photo.png", "photo.png"},
      {"report-2024_v2.PDF", "report-2024_v2.PDF"},
  });
  EXPECT_EQ(sanitize_file_name("report.PDF")->extension, "pdf");
}

TEST(SanitizeFileName, StripsPathComponents) {
  results_of(sanitized).expect({
      {"../../etc/passwd", "passwd"},
      {"C:\\Users\\me\\cat.jpg", "cat.jpg"},
      {"/absolute/name.txt", "name.txt"},
      {"dir/", "<none>"},
  });
}

TEST(SanitizeFileName, OnlyDotsLeaveNothing) {
  results_of(sanitized).expect({
      {".", "<none>"},
      {"..", "<none>"},
      {"......", "<none>"},
      {". . .", "<none>"},
  });
}

TEST(SanitizeFileName, DropsControlCharactersAndNul) {
  results_of(sanitized).expect({
      {std::string("a\0b.txt", 7), "ab.txt"},
      {"line\r\nbreak\t.txt", "linebreak.txt"},
      {"\x7f\x01", "<none>"},
      {"c1\xC2\x85.txt", "c1.txt"},  // U+0085 NEL
  });
}

TEST(SanitizeFileName, DropsInvalidUtf8) {
  results_of(sanitized).expect({
      {"bad\xFF\xFEname.png", "badname.png"},
      {"over\xC0\xAFlong.png", "overlong.png"},  // overlong '/'
      {"sur\xED\xA0\x80rogate.png", "surrogate.png"},
      {"cut\xE2\x82", "cut"},
  });
}

TEST(SanitizeFileName, DropsInvisibleAndBidiCharacters) {
  // U+202E RIGHT-TO-LEFT OVERRIDE would make "exe.png" display as "gnp.exe".
  results_of(sanitized).expect({
      {"invoice\xE2\x80\xAEgnp.exe", "invoicegnp.exe"},
      {"zero\xE2\x80\x8Bwidth.txt", "zerowidth.txt"},
      {"\xEF\xBB\xBF"
       "bom.txt",
       "bom.txt"},
  });
}

TEST(SanitizeFileName, KeepsNonAsciiLetters) {
  results_of(sanitized).expect({
      {"résumé.pdf", "résumé.pdf"},
      {"写真.jpg", "写真.jpg"},
  });
}

TEST(SanitizeFileName, ReplacesUnsafeAsciiWithOneUnderscorePerRun) {
  results_of(sanitized).expect({
      {"my photo (1).png", "my_photo_1.png"},
      {"a  &&  b.txt", "a_b.txt"},
      {"q?x=1#frag%20.txt", "q_x_1_frag_20.txt"},
      {"<script>.html", "script.html"},
  });
}

TEST(SanitizeFileName, TrimsLeadingDotsSoNoHiddenFiles) {
  results_of(sanitized).expect({
      {".htaccess", "htaccess"},
      {"..hidden.txt", "hidden.txt"},
      {"name.", "name"},
  });
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
