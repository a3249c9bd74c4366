#include "upgate/s3/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace upgate::s3 {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain/ascii key.txt"));
  EXPECT_TRUE(is_valid_utf8("\xED\x95\x9C\xEA\xB8\x80"));  // 한글
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));          // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));      // NUL is valid UTF-8
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBD"));              // U+FFFD
}

TEST(Utf8Test, RefusesInvalidSequences) {
  EXPECT_EQ(first_invalid_utf8("ab\x80"), 2u);            // lone continuation byte
  EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(first_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong, 3 bytes
  EXPECT_EQ(first_invalid_utf8("\xF0\x80\x80\xAF"), 0u);  // overlong, 4 bytes
  EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(first_invalid_utf8("\xFF"), 0u);
  EXPECT_EQ(first_invalid_utf8("ok\xE2\x82"), 2u);  // truncated at the end
  EXPECT_EQ(first_invalid_utf8("\xC3"), 0u);
  EXPECT_EQ(first_invalid_utf8("\xE2\x28\xA1"), 0u);  // bad continuation
}

}  // namespace
}  // namespace upgate::s3
