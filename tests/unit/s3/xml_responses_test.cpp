#include "upgate/s3/xml_responses.hpp"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <regex>
#include <string>

namespace upgate::s3 {
namespace {

using namespace std::chrono;

constexpr std::string_view kDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// The documented examples are indented; S3 sends them compact.
std::string compact(std::string pretty) {
  pretty = std::regex_replace(pretty, std::regex(">\\s+<"), "><");
  const auto first = pretty.find_first_not_of(" \n");
  const auto last = pretty.find_last_not_of(" \n");
  return std::string(kDecl) + pretty.substr(first, last - first + 1);
}

TimePoint at(sys_days day, hours h, minutes m, seconds s, milliseconds ms = 0ms) {
  return day + h + m + s + ms;
}

TEST(XmlResponsesTest, QuoteEtag) {
  EXPECT_EQ(quote_etag("abc"), "\"abc\"");
  EXPECT_EQ(quote_etag("\"abc\""), "\"abc\"");
  EXPECT_EQ(quote_etag("abc-3"), "\"abc-3\"");
}

TEST(XmlResponsesTest, ListBucketsMatchesTheDocumentedExample) {
  ListAllMyBucketsResult r;
  r.owner = {"bcaf1ffd86f461ca5fb16fd081034f", "webfile"};
  r.buckets = {{"quotes", at(sys_days{2006y / February / 3}, 16h, 45min, 9s)},
               {"samples", at(sys_days{2006y / February / 3}, 16h, 41min, 58s)}};
  EXPECT_EQ(render_list_buckets(r), compact(R"(
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner>
    <ID>bcaf1ffd86f461ca5fb16fd081034f</ID>
    <DisplayName>webfile</DisplayName>
  </Owner>
  <Buckets>
    <Bucket>
      <Name>quotes</Name>
      <CreationDate>2006-02-03T16:45:09.000Z</CreationDate>
    </Bucket>
    <Bucket>
      <Name>samples</Name>
      <CreationDate>2006-02-03T16:41:58.000Z</CreationDate>
    </Bucket>
  </Buckets>
</ListAllMyBucketsResult>)"));
}

TEST(XmlResponsesTest, ListObjectsV2MatchesTheDocumentedExample) {
  ListObjectsV2Result r;
  r.name = "bucket";
  r.max_keys = 1000;
  r.contents.push_back({"my-image.jpg", at(sys_days{2009y / October / 12}, 17h, 50min, 30s),
                        "fba9dede5f27731c9771645a39863328", 434234});
  EXPECT_EQ(render_list_objects_v2(r), compact(R"(
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix></Prefix>
  <KeyCount>1</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>my-image.jpg</Key>
    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
    <Size>434234</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
</ListBucketResult>)"));
}

TEST(XmlResponsesTest, ListObjectsV2WithDelimiterTokensAndPrefixes) {
  ListObjectsV2Result r;
  r.name = "example-bucket";
  r.delimiter = "/";
  r.max_keys = 2;
  r.is_truncated = true;
  r.start_after = "a";
  r.continuation_token = "tok1";
  r.next_continuation_token = "tok2";
  r.contents.push_back({"sample.jpg", at(sys_days{2011y / February / 26}, 1h, 56min, 20s),
                        "\"bf1d737a4d46a19f3bced6905cc8b902\"", 142863});
  r.common_prefixes = {"photos/"};
  EXPECT_EQ(render_list_objects_v2(r), compact(R"(
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>example-bucket</Name>
  <Prefix></Prefix>
  <StartAfter>a</StartAfter>
  <ContinuationToken>tok1</ContinuationToken>
  <NextContinuationToken>tok2</NextContinuationToken>
  <KeyCount>2</KeyCount>
  <MaxKeys>2</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>sample.jpg</Key>
    <LastModified>2011-02-26T01:56:20.000Z</LastModified>
    <ETag>&quot;bf1d737a4d46a19f3bced6905cc8b902&quot;</ETag>
    <Size>142863</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <CommonPrefixes>
    <Prefix>photos/</Prefix>
  </CommonPrefixes>
</ListBucketResult>)"));
}

TEST(XmlResponsesTest, EncodingTypeUrlEncodesKeyValuedElementsOnly) {
  ListObjectsV2Result r;
  r.name = "b";
  r.prefix = "run books/";
  r.delimiter = "/";
  r.start_after = "run books/a+b";
  r.continuation_token = "a b+c";  // opaque: never encoded
  r.encoding = EncodingType::Url;
  r.contents.push_back(
      {"run books/a b.txt", at(sys_days{2020y / January / 1}, 0h, 0min, 0s), "e", 1});
  r.common_prefixes = {"run books/\xED\x95\x9C/"};
  const std::string xml = render_list_objects_v2(r);
  EXPECT_NE(xml.find("<Prefix>run%20books/</Prefix>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<StartAfter>run%20books/a%2Bb</StartAfter>"), std::string::npos);
  EXPECT_NE(xml.find("<ContinuationToken>a b+c</ContinuationToken>"), std::string::npos);
  EXPECT_NE(xml.find("<Delimiter>/</Delimiter><EncodingType>url</EncodingType>"),
            std::string::npos);
  EXPECT_NE(xml.find("<Key>run%20books/a%20b.txt</Key>"), std::string::npos);
  EXPECT_NE(xml.find("<CommonPrefixes><Prefix>run%20books/%ED%95%9C/</Prefix></CommonPrefixes>"),
            std::string::npos);
}

TEST(XmlResponsesTest, KeysWithControlCharactersStayParseable) {
  ListObjectsV2Result r;
  r.name = "b";
  r.contents.push_back({"a\rb<c>", at(sys_days{2020y / January / 1}, 0h, 0min, 0s), "e", 1});
  const std::string xml = render_list_objects_v2(r);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  EXPECT_EQ(std::string(doc.child("ListBucketResult").child("Contents").child("Key").text().get()),
            "a\rb<c>");
}

TEST(XmlResponsesTest, ListObjectsV1MatchesTheDocumentedExample) {
  ListObjectsV1Result r;
  r.name = "bucket";
  ObjectEntry o{"my-image.jpg", at(sys_days{2009y / October / 12}, 17h, 50min, 30s),
                "fba9dede5f27731c9771645a39863328", 434234};
  o.owner = Owner{"8a6925ce4a7f21c32aa379004fef", "mtd@amazon.com"};
  r.contents.push_back(o);
  EXPECT_EQ(render_list_objects_v1(r), compact(R"(
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix></Prefix>
  <Marker></Marker>
  <MaxKeys>1000</MaxKeys>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>my-image.jpg</Key>
    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
    <Size>434234</Size>
    <Owner>
      <ID>8a6925ce4a7f21c32aa379004fef</ID>
      <DisplayName>mtd@amazon.com</DisplayName>
    </Owner>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
</ListBucketResult>)"));
}

TEST(XmlResponsesTest, ListObjectsV1MarkersAreEncoded) {
  ListObjectsV1Result r;
  r.name = "b";
  r.marker = "a b";
  r.next_marker = "c+d";
  r.delimiter = "/";
  r.is_truncated = true;
  r.encoding = EncodingType::Url;
  const std::string xml = render_list_objects_v1(r);
  EXPECT_NE(xml.find("<Marker>a%20b</Marker><NextMarker>c%2Bd</NextMarker><MaxKeys>1000</MaxKeys>"
                     "<Delimiter>/</Delimiter><EncodingType>url</EncodingType>"
                     "<IsTruncated>true</IsTruncated>"),
            std::string::npos)
      << xml;
}

TEST(XmlResponsesTest, MultipartDocuments) {
  EXPECT_EQ(render_initiate_multipart_upload(
                {"example-bucket", "example-object",
                 "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA"}),
            compact(R"(
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)"));

  CompleteMultipartUploadResult c{"http://Example-Bucket.s3.region.amazonaws.com/Example-Object",
                                  "Example-Bucket",
                                  "Example-Object",
                                  "3858f62230ac3c915f300c664312c11f-9",
                                  {}};
  EXPECT_EQ(render_complete_multipart_upload(c), compact(R"(
<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>http://Example-Bucket.s3.region.amazonaws.com/Example-Object</Location>
  <Bucket>Example-Bucket</Bucket>
  <Key>Example-Object</Key>
  <ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag>
</CompleteMultipartUploadResult>)"));
  c.checksums.crc32 = "AAAAAA==";
  c.checksums.type = "COMPOSITE";
  EXPECT_NE(
      render_complete_multipart_upload(c).find(
          "</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType>"),
      std::string::npos);
}

TEST(XmlResponsesTest, ListPartsMatchesTheDocumentedExample) {
  ListPartsResult r;
  r.bucket = "example-bucket";
  r.key = "example-object";
  r.upload_id = "XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA";
  r.initiator = {"arn:aws:iam::111122223333:user/some-user", "umat-user"};
  r.owner = {"75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", "someName"};
  r.part_number_marker = 1;
  r.next_part_number_marker = 3;
  r.max_parts = 2;
  r.is_truncated = true;
  r.parts = {{2,
              at(sys_days{2010y / November / 10}, 20h, 48min, 34s),
              "\"7778aef83f66abc1fa1e8477f296d394\"",
              10485760,
              {}},
             {3,
              at(sys_days{2010y / November / 10}, 20h, 48min, 33s),
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
              10485760,
              {}}};
  EXPECT_EQ(render_list_parts(r), compact(R"(
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA</UploadId>
  <Initiator>
    <ID>arn:aws:iam::111122223333:user/some-user</ID>
    <DisplayName>umat-user</DisplayName>
  </Initiator>
  <Owner>
    <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
    <DisplayName>someName</DisplayName>
  </Owner>
  <StorageClass>STANDARD</StorageClass>
  <PartNumberMarker>1</PartNumberMarker>
  <NextPartNumberMarker>3</NextPartNumberMarker>
  <MaxParts>2</MaxParts>
  <IsTruncated>true</IsTruncated>
  <Part>
    <PartNumber>2</PartNumber>
    <LastModified>2010-11-10T20:48:34.000Z</LastModified>
    <ETag>&quot;7778aef83f66abc1fa1e8477f296d394&quot;</ETag>
    <Size>10485760</Size>
  </Part>
  <Part>
    <PartNumber>3</PartNumber>
    <LastModified>2010-11-10T20:48:33.000Z</LastModified>
    <ETag>&quot;aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&quot;</ETag>
    <Size>10485760</Size>
  </Part>
</ListPartsResult>)"));
}

TEST(XmlResponsesTest, ListMultipartUploadsMatchesTheDocumentedExample) {
  ListMultipartUploadsResult r;
  r.bucket = "bucket";
  r.next_key_marker = "my-movie.m2ts";
  r.next_upload_id_marker = "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ";
  r.max_uploads = 3;
  r.is_truncated = true;
  UploadEntry u;
  u.key = "my-divisor";
  u.upload_id = "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw";
  u.initiator = {"arn:aws:iam::111122223333:user/user1", "user1"};
  u.owner = {"75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a",
             "OwnerDisplayName"};
  u.initiated = at(sys_days{2010y / November / 10}, 20h, 48min, 33s);
  r.uploads.push_back(u);
  EXPECT_EQ(render_list_multipart_uploads(r), compact(R"(
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>bucket</Bucket>
  <KeyMarker></KeyMarker>
  <UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>my-movie.m2ts</NextKeyMarker>
  <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>
  <MaxUploads>3</MaxUploads>
  <IsTruncated>true</IsTruncated>
  <Upload>
    <Key>my-divisor</Key>
    <UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId>
    <Initiator>
      <ID>arn:aws:iam::111122223333:user/user1</ID>
      <DisplayName>user1</DisplayName>
    </Initiator>
    <Owner>
      <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
      <DisplayName>OwnerDisplayName</DisplayName>
    </Owner>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
</ListMultipartUploadsResult>)"));
}

TEST(XmlResponsesTest, CopyResults) {
  const CopyResult c{
      "9b2cf535f27731c974343645a3985328", at(sys_days{2009y / October / 28}, 22h, 32min, 0s), {}};
  EXPECT_EQ(render_copy_object_result(c), compact(R"(
<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <LastModified>2009-10-28T22:32:00.000Z</LastModified>
  <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>
</CopyObjectResult>)"));
  EXPECT_NE(render_copy_part_result(c).find("<CopyPartResult xmlns="), std::string::npos);
}

TEST(XmlResponsesTest, DeleteResultVerboseAndQuiet) {
  DeleteResult r;
  r.deleted = {{"sample1.txt", ""}};
  r.errors = {{"sample2.txt", "", "AccessDenied", "Access Denied"}};
  EXPECT_EQ(render_delete_result(r), compact(R"(
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted>
    <Key>sample1.txt</Key>
  </Deleted>
  <Error>
    <Key>sample2.txt</Key>
    <Code>AccessDenied</Code>
    <Message>Access Denied</Message>
  </Error>
</DeleteResult>)"));
  r.quiet = true;
  EXPECT_EQ(render_delete_result(r), compact(R"(
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Error>
    <Key>sample2.txt</Key>
    <Code>AccessDenied</Code>
    <Message>Access Denied</Message>
  </Error>
</DeleteResult>)"));
  r.errors.clear();
  EXPECT_EQ(
      render_delete_result(r),
      compact(R"(<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>)"));
}

TEST(XmlResponsesTest, LocationConstraintIsEmptyForUsEast1) {
  EXPECT_EQ(
      render_location_constraint("us-east-1"),
      compact(
          R"(<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>)"));
  EXPECT_EQ(
      render_location_constraint("eu-west-1"),
      compact(
          R"(<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>)"));
}

TEST(XmlResponsesTest, CorsConfigurationDocument) {
  CorsConfiguration config;
  CorsRule rule;
  rule.allowed_origins = {"http://www.example.com"};
  rule.allowed_methods = {"GET"};
  rule.max_age_seconds = 3000;
  rule.expose_headers = {"x-amz-server-side-encryption"};
  config.rules.push_back(rule);
  EXPECT_EQ(render_cors_configuration(config), compact(R"(
<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <CORSRule>
    <AllowedOrigin>http://www.example.com</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
    <ExposeHeader>x-amz-server-side-encryption</ExposeHeader>
  </CORSRule>
</CORSConfiguration>)"));
}

TEST(XmlResponsesTest, VersioningConfigurationOfAnUnversionedBucket) {
  EXPECT_EQ(
      render_versioning_configuration(),
      compact(
          R"(<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>)"));
}

TEST(XmlResponsesTest, AccessControlPolicyOfEachCannedAcl) {
  const Owner owner{"75aa57f0", "mtd&co"};
  const std::string canonical =
      R"(<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>75aa57f0</ID><DisplayName>mtd&amp;co</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>)";
  auto group = [](std::string_view who, std::string_view permission) {
    return R"(<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/)" +
           std::string(who) + "</URI></Grantee><Permission>" + std::string(permission) +
           "</Permission></Grant>";
  };
  auto policy = [](const std::string& grants) {
    return std::string(kDecl) +
           R"(<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>75aa57f0</ID><DisplayName>mtd&amp;co</DisplayName></Owner><AccessControlList>)" +
           grants + "</AccessControlList></AccessControlPolicy>";
  };
  EXPECT_EQ(render_access_control_policy(owner, "private"), policy(canonical));
  EXPECT_EQ(render_access_control_policy(owner, "public-read"),
            policy(canonical + group("AllUsers", "READ")));
  EXPECT_EQ(render_access_control_policy(owner, "public-read-write"),
            policy(canonical + group("AllUsers", "READ") + group("AllUsers", "WRITE")));
  EXPECT_EQ(render_access_control_policy(owner, "authenticated-read"),
            policy(canonical + group("AuthenticatedUsers", "READ")));
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(render_access_control_policy(owner, "public-read").c_str()));
}

TEST(XmlResponsesTest, PostObjectResult) {
  EXPECT_EQ(render_post_object_result({"http://h/b/k%201", "b", "k 1", "abc"}), compact(R"(
<PostResponse>
  <Location>http://h/b/k%201</Location>
  <Bucket>b</Bucket>
  <Key>k 1</Key>
  <ETag>&quot;abc&quot;</ETag>
</PostResponse>)"));
}

}  // namespace
}  // namespace upgate::s3
