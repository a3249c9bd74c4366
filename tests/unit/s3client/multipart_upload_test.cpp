#include "upgate/s3client/multipart_upload.hpp"

#include <gtest/gtest.h>

namespace upgate::s3client {
namespace {

TEST(MultipartAnswers, InitiateResultGivesTheUploadId) {
  auto id = read_initiate_result(
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      R"(<Bucket>b</Bucket><Key>a/b.bin</Key><UploadId>2~AbC-d_e</UploadId>)"
      R"(</InitiateMultipartUploadResult>)");
  ASSERT_TRUE(id.has_value()) << id.error();
  EXPECT_EQ(*id, "2~AbC-d_e");
}

TEST(MultipartAnswers, InitiateResultWithoutAnIdIsRefused) {
  EXPECT_FALSE(read_initiate_result("<InitiateMultipartUploadResult><UploadId> </UploadId>"
                                    "</InitiateMultipartUploadResult>")
                   .has_value());
  EXPECT_FALSE(read_initiate_result("<Other><UploadId>x</UploadId></Other>").has_value());
  EXPECT_FALSE(read_initiate_result("not xml <").has_value());
  EXPECT_FALSE(read_initiate_result("").has_value());
  // A DTD's entity is never expanded into an id.
  auto with_entity = read_initiate_result(
      "<!DOCTYPE x [<!ENTITY e \"boom\">]><InitiateMultipartUploadResult><UploadId>&e;"
      "</UploadId></InitiateMultipartUploadResult>");
  if (with_entity) {
    EXPECT_EQ(with_entity->find("boom"), std::string::npos);
  }
}

TEST(MultipartAnswers, ListPartsReadsPartsAndThePageMarker) {
  auto page = read_list_parts_result(
      R"(<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket>)"
      R"(<IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>)"
      R"(<Part><PartNumber>1</PartNumber><ETag>"abc"</ETag><Size>5242880</Size></Part>)"
      R"(<Part><PartNumber>2</PartNumber><ETag>&quot;def&quot;</ETag><Size>17</Size></Part>)"
      R"(</ListPartsResult>)");
  ASSERT_TRUE(page.has_value()) << page.error();
  ASSERT_EQ(page->parts.size(), 2u);
  EXPECT_EQ(page->parts[0].part_number, 1);
  EXPECT_EQ(page->parts[0].etag, "abc");
  EXPECT_EQ(page->parts[0].size, 5242880u);
  EXPECT_EQ(page->parts[1].etag, "def");
  EXPECT_EQ(page->parts[1].size, 17u);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_marker, "2");
}

TEST(MultipartAnswers, ListPartsRefusesPartsItCannotUse) {
  for (const char* bad : {
           "<ListPartsResult><Part><PartNumber>0</PartNumber><ETag>a</ETag><Size>1</Size></Part>"
           "</ListPartsResult>",
           "<ListPartsResult><Part><PartNumber>10001</PartNumber><ETag>a</ETag><Size>1</Size>"
           "</Part></ListPartsResult>",
           "<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>a</ETag><Size>-1</Size>"
           "</Part></ListPartsResult>",
           "<ListPartsResult><Part><PartNumber>1</PartNumber><Size>1</Size></Part>"
           "</ListPartsResult>",
           "<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>",
           "<Error><Code>NoSuchUpload</Code></Error>",
       }) {
    EXPECT_FALSE(read_list_parts_result(bad).has_value()) << bad;
  }
  auto empty = read_list_parts_result("<ListPartsResult></ListPartsResult>");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->parts.empty());
  EXPECT_FALSE(empty->truncated);
}

TEST(MultipartAnswers, CompleteResultGivesLocationAndETag) {
  auto done = read_complete_result(
      R"(<CompleteMultipartUploadResult><Location>http://h/b/k</Location><Bucket>b</Bucket>)"
      R"(<Key>k</Key><ETag>"0123-2"</ETag></CompleteMultipartUploadResult>)");
  ASSERT_TRUE(done.has_value()) << done.error();
  EXPECT_EQ(done->location, "http://h/b/k");
  EXPECT_EQ(done->etag, "0123-2");
  EXPECT_FALSE(read_complete_result("<Error><Code>InternalError</Code></Error>").has_value());
}

TEST(MultipartAnswers, CompleteBodyQuotesETagsInPartOrder) {
  std::vector<s3::CompletedPart> parts(2);
  parts[0].part_number = 1;
  parts[0].etag = "aa";
  parts[1].part_number = 2;
  parts[1].etag = "b<b";
  const auto xml = complete_multipart_upload_xml(parts);
  EXPECT_NE(xml.find("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                     "<Part><PartNumber>1</PartNumber><ETag>&quot;aa&quot;</ETag></Part>"
                     "<Part><PartNumber>2</PartNumber><ETag>&quot;b&lt;b&quot;</ETag></Part>"
                     "</CompleteMultipartUpload>"),
            std::string::npos)
      << xml;
  // The store's own parser reads it back.
  auto parsed = s3::parse_complete_multipart_upload(xml, 1 << 20);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->parts.size(), 2u);
  EXPECT_EQ(parsed->parts[1].etag, "b<b");
}

}  // namespace
}  // namespace upgate::s3client
