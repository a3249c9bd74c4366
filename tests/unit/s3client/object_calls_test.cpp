#include "upgate/s3client/object_calls.hpp"

#include <gtest/gtest.h>

namespace upgate::s3client {
namespace {

HttpResponse head_answer(std::vector<std::pair<std::string, std::string>> headers) {
  HttpResponse r;
  r.status = 200;
  r.headers = std::move(headers);
  return r;
}

TEST(ReadObjectHead, TakesSizeTypeEtagVersionChecksumsAndMetadata) {
  const auto head = read_object_head(head_answer({
      {"content-length", "48213"},
      {"content-type", "image/png"},
      {"etag", "\"d41d8cd98f00b204e9800998ecf8427e\""},
      {"x-amz-version-id", "3HL4kqtJlcpXroDTDmJ"},
      {"x-amz-checksum-sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="},
      {"x-amz-checksum-type", "FULL_OBJECT"},
      {"x-amz-meta-album", "cats"},
      {"x-amz-meta-", "nameless"},
  }));
  ASSERT_TRUE(head) << head.error();
  EXPECT_EQ(head->size, 48213U);
  EXPECT_EQ(head->content_type, "image/png");
  EXPECT_EQ(head->etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(head->version_id, "3HL4kqtJlcpXroDTDmJ");
  ASSERT_EQ(head->checksums.size(), 1U);
  EXPECT_EQ(head->checksums[0].first, "sha256");
  ASSERT_EQ(head->metadata.size(), 1U);
  EXPECT_EQ(head->metadata[0], (std::pair<std::string, std::string>{"album", "cats"}));
}

TEST(ReadObjectHead, AnUnversionedBucketHasNoVersion) {
  const auto head =
      read_object_head(head_answer({{"content-length", "0"}, {"x-amz-version-id", "null"}}));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 0U);
  EXPECT_FALSE(head->version_id);
  EXPECT_EQ(head->content_type, "");
}

TEST(ReadObjectHead, ALengthThatIsNotANumberIsRefused) {
  for (const char* bad : {"", "-1", "12a", " 12", "99999999999999999999999"}) {
    EXPECT_FALSE(read_object_head(head_answer({{"content-length", bad}}))) << bad;
  }
  EXPECT_FALSE(read_object_head(head_answer({})));
}

TEST(IsNotFound, OnlyA404) {
  ClientError e;
  e.kind = ErrorKind::kHttp;
  e.http_status = 404;
  EXPECT_TRUE(is_not_found(e));
  e.kind = ErrorKind::kS3;
  EXPECT_TRUE(is_not_found(e));
  e.http_status = 403;
  EXPECT_FALSE(is_not_found(e));
  e.kind = ErrorKind::kTransport;
  e.http_status = 0;
  EXPECT_FALSE(is_not_found(e));
}

}  // namespace
}  // namespace upgate::s3client
