#include "upgate/config/ini_file.hpp"

#include <gtest/gtest.h>

namespace upgate::config {
namespace {

TEST(ParseIni, SectionsKeysCommentsAndNestedBlocks) {
  const auto file = parse_ini(
      "# comment\n"
      "[default]\n"
      "aws_access_key_id = AKIDEXAMPLE\n"
      "; another comment\n"
      "Region=eu-west-1\r\n"
      "s3 =\n"
      "  endpoint_url = http://127.0.0.1:9000\n"
      "  addressing_style = path\n"
      "output = json\n"
      "\n"
      "[profile other]\n"
      "region = us-east-2\n");
  ASSERT_TRUE(file) << file.error().message;
  const IniSection* def = file->section("default");
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->get("aws_access_key_id"), "AKIDEXAMPLE");
  EXPECT_EQ(def->get("region"), "eu-west-1");  // keys lower-cased, CR trimmed
  EXPECT_EQ(def->get("s3.endpoint_url"), "http://127.0.0.1:9000");
  EXPECT_EQ(def->get("s3.addressing_style"), "path");
  EXPECT_EQ(def->get("output"), "json");  // an unindented line closes the nested block
  ASSERT_NE(file->section("profile other"), nullptr);
  EXPECT_EQ(file->section("profile other")->get("region"), "us-east-2");
}

TEST(ParseIni, StripsAllAsciiWhiteSpaceAsConfigparserDoes) {
  const auto file = parse_ini("[a]\nk =\tv\f\v\r\n");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->section("a")->get("k"), "v");
}

TEST(ParseIni, LaterValuesOverrideEarlierOnes) {
  const auto file = parse_ini("[a]\nk = 1\n[a]\nk = 2\n");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->section("a")->get("k"), "2");
}

TEST(ParseIni, ErrorsNameTheLineButNeverQuoteIt) {
  const auto file = parse_ini("[default]\naws_secret_access_key wJalrXUtnFEMI/K7MDENG\n");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().line, 2u);
  EXPECT_EQ(file.error().message.find("wJalr"), std::string::npos);
}

TEST(ParseIni, RefusesHostileInput) {
  EXPECT_FALSE(parse_ini("key = value\n"));                              // before any section
  EXPECT_FALSE(parse_ini("[unclosed\n"));                                // header without ']'
  EXPECT_FALSE(parse_ini("[]\n"));                                       // empty section name
  EXPECT_FALSE(parse_ini(std::string("[a]\nk = v\0w\n", 12)));           // NUL byte
  EXPECT_FALSE(parse_ini("[a]\n" + std::string(9000, 'x') + " = 1\n"));  // long line
  EXPECT_FALSE(parse_ini(std::string(kMaxIniBytes + 1, '#')));           // too large
  EXPECT_FALSE(parse_ini("[a]\nbad key! = 1\n"));                        // invalid key
  std::string many;
  for (std::size_t i = 0; i <= kMaxIniSections; ++i) many += "[s" + std::to_string(i) + "]\n";
  EXPECT_FALSE(parse_ini(many));
}

TEST(ParseIni, AcceptsByteOrderMarkAndEmptyText) {
  EXPECT_TRUE(parse_ini(""));
  const auto file = parse_ini("\xEF\xBB\xBF[a]\nk = v\n");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->section("a")->get("k"), "v");
}

}  // namespace
}  // namespace upgate::config
