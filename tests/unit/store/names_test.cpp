// The engine's naming checks are S3's (src/s3 owns the rules): the store refuses exactly
// the bucket names and keys s3::validate_bucket_name / s3::validate_object_key refuse,
// with its own error codes, and also refuses the empty key.
#include "store/names.hpp"

#include <gtest/gtest.h>

#include <string>

#include "upgate/s3/naming.hpp"

namespace upgate::store {
namespace {

// Names on both sides of every rule, including the ones S3's rules are unsettled on.
const std::string kBucketNames[] = {
    "abc",
    "uploads",
    "my-bucket.example",
    "a1b2c3",
    "1bucket",
    "bucket-1",
    "a.b.c",
    "xn-a",
    "s3alias-bucket",
    std::string(63, 'a'),
    "192.168.5",
    "1.2.3.4.5",
    "ab",
    "",
    "Uploads",
    "under_score",
    "-start",
    "end-",
    ".start",
    "end.",
    "a..b",
    "a.-b",
    "a-.b",
    "192.168.5.4",
    "xn--bucket",
    "sthree-x",
    "amzn-s3-demo-x",
    "b-s3alias",
    "b--ol-s3",
    "b.mrap",
    "b--x-s3",
    "b--table-s3",
    "space here",
    "caf\xc3\xa9",
    std::string(64, 'a'),
};

TEST(BucketName, RefusesExactlyWhatS3sRulesRefuse) {
  for (const std::string& name : kBucketNames) {
    const auto s3_rule = s3::validate_bucket_name(name);
    const auto store_rule = validate_bucket_name(name);
    ASSERT_EQ(store_rule.has_value(), s3_rule.has_value()) << name;
    if (!store_rule) {
      EXPECT_EQ(store_rule.error().code, StoreErrc::kInvalidBucketName) << name;
      EXPECT_NE(store_rule.error().message.find(s3_rule.error().reason), std::string::npos)
          << name << ": " << store_rule.error().message;
    }
  }
}

TEST(BucketName, TheListCoversBothAnswers) {
  EXPECT_TRUE(validate_bucket_name("uploads"));
  EXPECT_FALSE(validate_bucket_name("Bad_Name"));
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
  EXPECT_TRUE(validate_object_key(std::string("nul\0inside", 10)));
}

TEST(ObjectKey, RefusesEmptyTooLongAndInvalidUtf8) {
  EXPECT_EQ(validate_object_key("").error().code, StoreErrc::kInvalidObjectKey);
  EXPECT_EQ(validate_object_key(std::string(1025, 'k')).error().code, StoreErrc::kKeyTooLong);
  for (std::string bad : {
           std::string("\x80"),              // lone continuation byte
           std::string("\xc3"),              // truncated sequence
           std::string("\xc0\xaf"),          // overlong '/'
           std::string("\xed\xa0\x80"),      // UTF-16 surrogate U+D800
           std::string("\xf4\x90\x80\x80"),  // U+110000
           std::string("ok\xfe"),
       }) {
    ASSERT_FALSE(s3::validate_object_key(bad));  // S3's rule, which the store maps
    auto valid = validate_object_key(bad);
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.error().code, StoreErrc::kInvalidObjectKey);
  }
}

}  // namespace
}  // namespace upgate::store
