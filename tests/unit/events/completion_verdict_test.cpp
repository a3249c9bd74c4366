#include "upgate/events/completion_verdict.hpp"

#include <gtest/gtest.h>

namespace upgate::events {
namespace {

const TypeAllowed kAnyImage = [](std::string_view t) { return t.starts_with("image/"); };

DeclaredUpload png_upload() {
  DeclaredUpload d;
  d.size = 48213;
  d.content_type = "image/png";
  d.checksum = DeclaredChecksum{"sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="};
  return d;
}

StoredObject as_stored(const DeclaredUpload& d) {
  StoredObject s;
  s.size = d.size;
  s.content_type = d.content_type;
  s.checksum = d.checksum;
  return s;
}

TEST(CompletionVerdict, MatchingObjectAccepted) {
  const auto d = png_upload();
  const auto v = judge_completion(d, as_stored(d), "image/png", VerifyContent::kStrict, kAnyImage);
  EXPECT_TRUE(v.accepted);
  EXPECT_EQ(v.reason, "");
  EXPECT_TRUE(v.checksum_verified);
}

TEST(CompletionVerdict, SizeFirst) {
  const auto d = png_upload();
  auto s = as_stored(d);
  s.size = 1;
  s.content_type = "text/html";
  const auto v = judge_completion(d, s, "text/html", VerifyContent::kDeclared, kAnyImage);
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.reason, "size_mismatch");
  EXPECT_EQ(v.detail, "the object is 1 bytes, not the declared 48213");
}

TEST(CompletionVerdict, ContentTypeHeaderMustMatch) {
  const auto d = png_upload();
  auto s = as_stored(d);
  s.content_type = "IMAGE/PNG; charset=binary";  // same essence: fine
  EXPECT_TRUE(judge_completion(d, s, "image/png", VerifyContent::kOff, kAnyImage).accepted);
  s.content_type = "image/jpeg";
  auto v = judge_completion(d, s, "image/png", VerifyContent::kOff, kAnyImage);
  EXPECT_EQ(v.reason, "type_mismatch");
  EXPECT_EQ(v.detail, "the object's Content-Type is image/jpeg, not the declared image/png");
  s.content_type = "";
  v = judge_completion(d, s, "image/png", VerifyContent::kOff, kAnyImage);
  EXPECT_EQ(v.reason, "type_mismatch");
  EXPECT_EQ(v.detail, "the object's Content-Type is missing, not the declared image/png");
}

TEST(CompletionVerdict, ChecksumMismatchOnlyWhenComparable) {
  const auto d = png_upload();
  auto s = as_stored(d);
  s.checksum->value = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  auto v = judge_completion(d, s, "image/png", VerifyContent::kOff, kAnyImage);
  EXPECT_EQ(v.reason, "checksum_mismatch");
  EXPECT_EQ(v.detail.find("AAAA"), std::string::npos);  // values are not echoed
  // Not reported (RGW 16), another algorithm, or a composite multipart checksum: accepted,
  // unverified.
  s.checksum.reset();
  v = judge_completion(d, s, "image/png", VerifyContent::kOff, kAnyImage);
  EXPECT_TRUE(v.accepted);
  EXPECT_FALSE(v.checksum_verified);
  s.checksum = DeclaredChecksum{"crc32c", "yZRlqg=="};
  EXPECT_FALSE(
      judge_completion(d, s, "image/png", VerifyContent::kOff, kAnyImage).checksum_verified);
  s.checksum = DeclaredChecksum{"SHA256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=-3"};
  v = judge_completion(d, s, "image/png", VerifyContent::kOff, kAnyImage);
  EXPECT_TRUE(v.accepted);
  EXPECT_FALSE(v.checksum_verified);
  // Nothing declared: nothing to verify.
  DeclaredUpload plain = png_upload();
  plain.checksum.reset();
  v = judge_completion(plain, as_stored(d), "image/png", VerifyContent::kOff, kAnyImage);
  EXPECT_TRUE(v.accepted);
  EXPECT_FALSE(v.checksum_verified);
}

TEST(CompletionVerdict, ContentMismatchPerMode) {
  // An HTML file uploaded as image/png: the headers agree, the bytes do not.
  const auto d = png_upload();
  const auto s = as_stored(d);
  auto v = judge_completion(d, s, "text/html", VerifyContent::kDeclared, kAnyImage);
  EXPECT_EQ(v.reason, "content_mismatch");
  EXPECT_EQ(v.detail, "the bytes are text/html, not image/png");
  EXPECT_TRUE(judge_completion(d, s, "text/html", VerifyContent::kOff, kAnyImage).accepted);
  // A PNG declared as application/pdf.
  DeclaredUpload pdf = png_upload();
  pdf.content_type = "application/pdf";
  v = judge_completion(pdf, as_stored(pdf), "image/png", VerifyContent::kDeclared, kAnyImage);
  EXPECT_EQ(v.reason, "content_mismatch");
  // Strict: compatible but not allowed.
  DeclaredUpload bytes = png_upload();
  bytes.content_type = "application/octet-stream";
  v = judge_completion(bytes, as_stored(bytes), "application/pdf", VerifyContent::kStrict,
                       kAnyImage);
  EXPECT_EQ(v.reason, "content_mismatch");
  EXPECT_TRUE(judge_completion(bytes, as_stored(bytes), "application/pdf", VerifyContent::kDeclared,
                               kAnyImage)
                  .accepted);
}

}  // namespace
}  // namespace upgate::events
