#include "upgate/store/names.hpp"

#include <gtest/gtest.h>

#include <string>

namespace upgate::store {
namespace {

TEST(BucketName, AcceptsWhatS3Accepts) {
  for (const char* name : {"abc", "uploads", "my-bucket.example", "a1b2c3", "1bucket", "bucket-1",
                           "a.b.c", "xn-a", "s3alias-bucket"}) {
    EXPECT_TRUE(validate_bucket_name(name)) << name;
  }
  EXPECT_TRUE(validate_bucket_name(std::string(63, 'a')));
}

TEST(BucketName, RefusesWhatS3Refuses) {
  for (const char* name : {"ab",         "",           "Uploads",        "under_score",
                           "-start",     "end-",       ".start",         "end.",
                           "a..b",       "a.-b",       "a-.b",           "192.168.5.4",
                           "xn--bucket", "sthree-x",   "amzn-s3-demo-x", "b-s3alias",
                           "b--ol-s3",   "b.mrap",     "b--x-s3",        "b--table-s3",
                           "space here", "caf\xc3\xa9"}) {
    auto valid = validate_bucket_name(name);
    ASSERT_FALSE(valid) << name;
    EXPECT_EQ(valid.error().code, StoreErrc::kInvalidBucketName) << name;
  }
  EXPECT_FALSE(validate_bucket_name(std::string(64, 'a')));
  // Four dotted numbers is an address; three or five are merely names.
  EXPECT_TRUE(validate_bucket_name("192.168.5"));
  EXPECT_TRUE(validate_bucket_name("1.2.3.4.5"));
}

TEST(ObjectKey, AcceptsAnyValidUtf8UpTo1024Bytes) {
  for (std::string key : {"a", "a/b", "a//b", "..", "../../etc/passwd", "caf\xc3\xa9",
                          "\xe2\x82\xac", "\xf0\x9f\x98\x80", "tab\tand\nnewline", " "}) {
    EXPECT_TRUE(validate_object_key(key)) << key;
  }
  EXPECT_TRUE(validate_object_key(std::string(1024, 'k')));
  std::string multibyte;
  while (multibyte.size() + 3 <= 1024) multibyte += "\xe2\x82\xac";
  EXPECT_TRUE(validate_object_key(multibyte));
}

TEST(ObjectKey, RefusesEmptyTooLongAndInvalidUtf8) {
  EXPECT_EQ(validate_object_key("").error().code, StoreErrc::kInvalidObjectKey);
  EXPECT_EQ(validate_object_key(std::string(1025, 'k')).error().code, StoreErrc::kKeyTooLong);
  for (std::string bad : {
           std::string("\x80"),              // lone continuation byte
           std::string("\xc3"),              // truncated sequence
           std::string("\xc3(", 2),          // bad continuation
           std::string("\xc0\xaf"),          // overlong '/'
           std::string("\xe0\x80\xaf"),      // overlong '/', three bytes
           std::string("\xed\xa0\x80"),      // UTF-16 surrogate U+D800
           std::string("\xf4\x90\x80\x80"),  // U+110000
           std::string("\xf8\x88\x80\x80\x80"),
           std::string("\xff"),
           std::string("ok\xfe"),
       }) {
    auto valid = validate_object_key(bad);
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.error().code, StoreErrc::kInvalidObjectKey);
  }
  EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last code point
}

}  // namespace
}  // namespace upgate::store
