#include "upgate/text.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include <array>
#include <string>

namespace upgate::text {
namespace {

using upgate::testing::results_of;

TEST(TextCase, LowerAndCompareFoldOnlyAsciiLetters) {
  EXPECT_EQ(lower("Content-TYPE"), "content-type");
  EXPECT_EQ(lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // bytes above 0x7f untouched
  EXPECT_TRUE(iequals("X-Amz-Date", "x-amz-date"));
  EXPECT_FALSE(iequals("x-amz-date", "x-amz-dat"));
  EXPECT_FALSE(iequals("[", "{"));  // 0x5b and 0x7b differ by 0x20 but are not letters
  EXPECT_TRUE(istarts_with("Bearer abc", "bearer "));
  EXPECT_FALSE(istarts_with("Bear", "bearer"));
  EXPECT_TRUE(iends_with("photo.PNG", ".png"));
}

TEST(TextWhitespace, TrimTakesOnlyOwsAndTrimSpaceAllAsciiSpace) {
  results_of(trim).expect({
      {" \tvalue\t ", "value"},
      {"\r\nvalue\n", "\r\nvalue\n"},
      {"", ""},
      {"   ", ""},
  });
  EXPECT_EQ(trim_space("\r\n value\v\f"), "value");
  results_of(trim_xml_space)
      .expect({
          {"\r\n\t <a/> \n", "<a/>"},
          {"\v<a/>\f", "\v<a/>\f"},  // \v and \f are not XML white space
      });
}

TEST(TextHex, ValuesAndEncoding) {
  EXPECT_EQ(hex_value('0'), 0);
  EXPECT_EQ(hex_value('f'), 15);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value('\0'), -1);
  const std::array<std::uint8_t, 4> bytes{0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(hex_lower(bytes), "000fa5ff");
}

TEST(TextUtf8, StrictRfc3629) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("r\xC3\xA9sum\xC3\xA9"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));         // U+1F600
  EXPECT_TRUE(is_valid_utf8(std::string_view("\0", 1)));  // NUL is valid UTF-8
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));                // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));            // overlong, 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));            // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));        // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));                // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));                    // lone continuation
  EXPECT_EQ(first_invalid_utf8("ab\xFFz"), 2U);
  EXPECT_EQ(first_invalid_utf8("abc"), std::nullopt);
}

// The cases S3 object keys and XML bodies were checked against before this header existed.
TEST(TextUtf8, FirstInvalidNamesTheByte) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("\xED\x95\x9C\xEA\xB8\x80"));  // 한글
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF, the last code point
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBD"));              // U+FFFD
  EXPECT_EQ(first_invalid_utf8("ab\x80"), 2U);             // lone continuation byte
  EXPECT_EQ(first_invalid_utf8("\xF0\x80\x80\xAF"), 0U);   // overlong, 4 bytes
  EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1U);      // surrogate U+D800
  EXPECT_EQ(first_invalid_utf8("\xF5\x80\x80\x80"), 0U);   // no such lead byte
  EXPECT_EQ(first_invalid_utf8("\xFF"), 0U);
  EXPECT_EQ(first_invalid_utf8("ok\xE2\x82"), 2U);  // truncated at the end
  EXPECT_EQ(first_invalid_utf8("\xC3"), 0U);
  EXPECT_EQ(first_invalid_utf8("\xE2\x28\xA1"), 0U);  // bad continuation
}

TEST(TextUtf8, DecodeAndPrefix) {
  char32_t cp = 0;
  EXPECT_EQ(decode_utf8("\xE2\x82\xAC", 0, cp), 3U);
  EXPECT_EQ(cp, U'\u20AC');
  EXPECT_EQ(decode_utf8("\xE2\x82", 0, cp), 0U);
  EXPECT_EQ(utf8_prefix("a\xE2\x82\xAC", 3), "a");
  EXPECT_EQ(utf8_prefix("a\xE2\x82\xAC", 4), "a\xE2\x82\xAC");
  EXPECT_EQ(utf8_prefix("abc", 10), "abc");
}

TEST(TextAddresses, DottedQuadAsS3NamesIt) {
  EXPECT_TRUE(is_dotted_quad("192.168.5.4"));
  EXPECT_TRUE(is_dotted_quad("999.1.1.1"));
  EXPECT_FALSE(is_dotted_quad("1.2.3"));
  EXPECT_FALSE(is_dotted_quad("1.2.3.4.5"));
  EXPECT_FALSE(is_dotted_quad("1.2.3.4."));
  EXPECT_FALSE(is_dotted_quad("1234.1.1.1"));
  EXPECT_FALSE(is_dotted_quad("a.b.c.d"));
  EXPECT_TRUE(is_ip_literal_host("[::1]"));
  EXPECT_TRUE(is_ip_literal_host("127.0.0.1"));
  EXPECT_FALSE(is_ip_literal_host("s3.amazonaws.com"));
}

}  // namespace
}  // namespace upgate::text
