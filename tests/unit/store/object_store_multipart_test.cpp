#include <gtest/gtest.h>

#include "object_store_fixture.hpp"
#include "store/crc32c.hpp"
#include "store/object_store.hpp"

namespace upgate::store {
namespace {
using namespace testing;  // test_support.hpp

class MultipartTest : public ObjectStoreFixture {
 protected:
  void SetUp() override {
    ObjectStoreFixture::SetUp();
    CreateMultipartUploadRequest request{.bucket = "bucket", .key = "big"};
    request.headers.content_type = "video/mp4";
    request.user_metadata = {{"origin", "test"}};
    auto created = store->create_multipart_upload(request);
    ASSERT_TRUE(created) << created.error().message;
    upload = *created;
  }
  Expected<UploadPartResult, StoreError> part(int number, std::string_view data,
                                              ChecksumSet checksums = {}) {
    return store->upload_part("bucket", "big", upload.upload_id, number,
                              blob(data, checksums, kMaxPartSize));
  }
  Expected<PutObjectResult, StoreError> complete(std::vector<CompletedPart> parts,
                                                 bool if_none_match = false) {
    return store->complete_multipart_upload("bucket", "big", upload.upload_id, parts,
                                            if_none_match);
  }

  UploadRecord upload;
};

std::string md5_hex(std::string_view data) {
  StreamingDigester d;
  d.update(bytes_of(data));
  return d.finish().md5_hex();
}

std::string md5_raw(std::string_view data) {
  StreamingDigester d;
  d.update(bytes_of(data));
  auto md5 = d.finish().md5;
  return std::string(md5.begin(), md5.end());
}

// base64 of CRC32C, as StreamingDigester reports it (itself checked against known vectors).
std::string crc32c_base64(std::string_view data) {
  StreamingDigester d(ChecksumSet().with(ChecksumAlgorithm::kCrc32c));
  d.update(bytes_of(data));
  return *d.finish().checksums.get(ChecksumAlgorithm::kCrc32c);
}

TEST_F(MultipartTest, CompletionConcatenatesPartsWithS3sEtagAndCarriesUploadMetadata) {
  std::string p1 = pseudo_random_bytes(1, kMinPartSize);
  std::string p2 = pseudo_random_bytes(2, kMinPartSize + 3);
  std::string p3 = "tail";
  auto r1 = part(1, p1), r2 = part(2, p2), r3 = part(3, p3);
  ASSERT_TRUE(r1 && r2 && r3);
  EXPECT_EQ(r1->etag, md5_hex(p1));

  auto done = complete({{1, "\"" + r1->etag + "\""}, {2, r2->etag}, {3, r3->etag}});
  ASSERT_TRUE(done) << done.error().message;
  // hex(md5(md5(p1) || md5(p2) || md5(p3)))-3
  EXPECT_EQ(done->etag, md5_hex(md5_raw(p1) + md5_raw(p2) + md5_raw(p3)) + "-3");

  auto opened = store->get_object("bucket", "big");
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->record.size, p1.size() + p2.size() + p3.size());
  EXPECT_EQ(opened->record.parts_count, 3);
  EXPECT_EQ(opened->record.segments.size(), 3u);
  EXPECT_EQ(opened->record.headers.content_type, "video/mp4");
  EXPECT_EQ(opened->record.user_metadata, upload.user_metadata);
  EXPECT_EQ(read_all(opened->reader, 1 << 20), p1 + p2 + p3);
  EXPECT_EQ(blob_files(), 3u);  // the parts' blobs became the object's segments

  EXPECT_EQ(store->list_parts("bucket", "big", upload.upload_id).error().code,
            StoreErrc::kNoSuchUpload);
  EXPECT_EQ(complete({{1, r1->etag}}).error().code, StoreErrc::kNoSuchUpload);
}

TEST_F(MultipartTest, EveryPartButTheLastMustBeAtLeast5MiB) {
  auto small1 = part(1, "small");
  auto small2 = part(2, "small too");
  auto result = complete({{1, small1->etag}, {2, small2->etag}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, StoreErrc::kEntityTooSmall);
  // A single small part is fine: it is the last one.
  auto single = complete({{2, small2->etag}});
  ASSERT_TRUE(single) << single.error().message;
  EXPECT_EQ(read_all(store->get_object("bucket", "big")->reader), "small too");
  EXPECT_EQ(blob_files(), 1u);  // part 1, left out, was removed
}

TEST_F(MultipartTest, PartListMustAscendAndMatchUploadedParts) {
  auto r1 = part(1, pseudo_random_bytes(1, kMinPartSize));
  auto r2 = part(2, "last");
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(complete({{2, r2->etag}, {1, r1->etag}}).error().code, StoreErrc::kInvalidPartOrder);
  EXPECT_EQ(complete({{1, r1->etag}, {1, r1->etag}}).error().code, StoreErrc::kInvalidPartOrder);
  EXPECT_EQ(complete({{1, r1->etag}, {2, r1->etag}}).error().code, StoreErrc::kInvalidPart);
  EXPECT_EQ(complete({{1, r1->etag}, {3, r2->etag}}).error().code, StoreErrc::kInvalidPart);
  EXPECT_EQ(complete({}).error().code, StoreErrc::kInvalidRequest);
  // None of the failures consumed the upload.
  EXPECT_TRUE(complete({{1, r1->etag}, {2, r2->etag}}));
}

TEST_F(MultipartTest, PartNumbersOutsideOneTo10000AreRefused) {
  for (int bad : {0, -1, 10001}) {
    auto r = part(bad, "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, StoreErrc::kInvalidArgument);
  }
  EXPECT_TRUE(part(10000, "x"));
  EXPECT_EQ(blob_files(), 1u);
}

TEST_F(MultipartTest, ARetriedCompletionWithTheSamePartsAnswersAsTheFirst) {
  const std::string p1 = pseudo_random_bytes(1, kMinPartSize);
  auto r1 = part(1, p1), r2 = part(2, "tail");
  ASSERT_TRUE(r1 && r2);
  const std::vector<CompletedPart> parts = {{1, r1->etag}, {2, "\"" + r2->etag + "\""}};
  auto first = complete(parts);
  ASSERT_TRUE(first) << first.error().message;
  auto again = complete(parts);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->etag, first->etag);
  EXPECT_EQ(again->generation, first->generation);  // nothing was written again
  EXPECT_EQ(get("big"), p1 + "tail");
  // Another part list, or the same after the object was replaced: the upload is gone.
  EXPECT_EQ(complete({{1, r1->etag}}).error().code, StoreErrc::kNoSuchUpload);
  open();  // and the record survives a restart
  EXPECT_TRUE(complete(parts));
  ASSERT_TRUE(put("big", "replaced"));
  EXPECT_EQ(complete(parts).error().code, StoreErrc::kNoSuchUpload);
  EXPECT_EQ(blob_files(), 1u);
}

TEST_F(MultipartTest, UnknownOrMismatchedUploadsAreNoSuchUpload) {
  auto writer = store->begin_blob();
  auto blob = writer->commit();
  EXPECT_EQ(store->upload_part("bucket", "big", "nope", 1, std::move(*blob)).error().code,
            StoreErrc::kNoSuchUpload);
  EXPECT_EQ(store->list_parts("bucket", "other-key", upload.upload_id).error().code,
            StoreErrc::kNoSuchUpload);
  EXPECT_EQ(store->find_multipart_upload("bucket", "big", "nope").error().code,
            StoreErrc::kNoSuchUpload);
  EXPECT_EQ(store->find_multipart_upload("nobucket", "big", upload.upload_id).error().code,
            StoreErrc::kNoSuchBucket);
  auto found = store->find_multipart_upload("bucket", "big", upload.upload_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->headers.content_type, "video/mp4");
  EXPECT_EQ(store->abort_multipart_upload("bucket", "big", "nope").error().code,
            StoreErrc::kNoSuchUpload);
  EXPECT_EQ(store->create_multipart_upload({.bucket = "nobucket", .key = "k"}).error().code,
            StoreErrc::kNoSuchBucket);
  EXPECT_EQ(store->create_multipart_upload({.bucket = "bucket", .key = "bad\xc0"}).error().code,
            StoreErrc::kInvalidObjectKey);
  EXPECT_EQ(blob_files(), 0u);
}

TEST_F(MultipartTest, UploadingAPartAgainReplacesIt) {
  ASSERT_TRUE(part(1, "first try"));
  auto again = part(1, "second try");
  ASSERT_TRUE(again);
  auto parts = store->list_parts("bucket", "big", upload.upload_id);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->parts.size(), 1u);
  EXPECT_EQ(parts->parts[0].etag, again->etag);
  EXPECT_EQ(parts->parts[0].size, 10u);
  EXPECT_EQ(blob_files(), 1u);
}

TEST_F(MultipartTest, ListPartsPaginates) {
  for (int n : {1, 2, 5, 7, 9}) ASSERT_TRUE(part(n, std::to_string(n)));
  std::vector<int> seen;
  int marker = 0;
  for (int page = 0; page < 10; ++page) {
    auto r = store->list_parts("bucket", "big", upload.upload_id, marker, 2);
    ASSERT_TRUE(r);
    for (auto& p : r->parts) seen.push_back(p.part_number);
    EXPECT_EQ(r->upload.key, "big");
    if (!r->is_truncated) break;
    marker = r->next_part_number_marker;
  }
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 5, 7, 9}));
  EXPECT_TRUE(store->list_parts("bucket", "big", upload.upload_id, 9)->parts.empty());
  EXPECT_EQ(store->list_parts("bucket", "big", upload.upload_id, 0, -1).error().code,
            StoreErrc::kInvalidArgument);
}

TEST_F(MultipartTest, AbortRemovesThePartsBlobs) {
  ASSERT_TRUE(part(1, "a"));
  ASSERT_TRUE(part(2, "b"));
  EXPECT_EQ(blob_files(), 2u);
  ASSERT_TRUE(store->abort_multipart_upload("bucket", "big", upload.upload_id));
  EXPECT_EQ(blob_files(), 0u);
  EXPECT_EQ(store->abort_multipart_upload("bucket", "big", upload.upload_id).error().code,
            StoreErrc::kNoSuchUpload);
  EXPECT_TRUE(store->list_multipart_uploads({.bucket = "bucket"})->uploads.empty());
}

TEST_F(MultipartTest, CompositeChecksumIsTheChecksumOfPartChecksums) {
  auto created = store->create_multipart_upload(
      {.bucket = "bucket", .key = "big", .checksum_algorithm = ChecksumAlgorithm::kCrc32c});
  ASSERT_TRUE(created);
  upload = *created;
  auto crc = ChecksumSet().with(ChecksumAlgorithm::kCrc32c);
  std::string p1 = pseudo_random_bytes(5, kMinPartSize), p2 = "end";
  auto r1 = part(1, p1, crc), r2 = part(2, p2, crc);
  ASSERT_TRUE(r1 && r2);
  auto done = complete({{1, r1->etag}, {2, r2->etag}});
  ASSERT_TRUE(done);
  std::string raw;
  for (const auto& p : {p1, p2}) {
    std::uint32_t c = crc32c(bytes_of(p));
    for (int shift : {24, 16, 8, 0}) raw += static_cast<char>(c >> shift);
  }
  EXPECT_EQ(done->checksums.get(ChecksumAlgorithm::kCrc32c), crc32c_base64(raw) + "-2");
  EXPECT_EQ(store->head_object("bucket", "big")->checksums, done->checksums);
}

TEST_F(MultipartTest, CompletionOverwritesAndHonoursIfNoneMatch) {
  auto writer = store->begin_blob();
  ASSERT_TRUE(writer->append(bytes_of("previous")));
  ASSERT_TRUE(store->put_object({.bucket = "bucket", .key = "big"}, writer->commit().value()));
  auto r1 = part(1, "replacement");
  EXPECT_EQ(complete({{1, r1->etag}}, true).error().code, StoreErrc::kPreconditionFailed);
  ASSERT_TRUE(complete({{1, r1->etag}}));
  EXPECT_EQ(read_all(store->get_object("bucket", "big")->reader), "replacement");
  EXPECT_EQ(blob_files(), 1u);
}

TEST_F(MultipartTest, ObjectFromPartsCanBeCopiedAndOutlivesTheCopy) {
  auto r1 = part(1, pseudo_random_bytes(9, kMinPartSize));
  auto r2 = part(2, "z");
  ASSERT_TRUE(complete({{1, r1->etag}, {2, r2->etag}}));
  ASSERT_TRUE(store->copy_object(
      {.source_bucket = "bucket", .source_key = "big", .bucket = "bucket", .key = "copy"}));
  ASSERT_TRUE(store->delete_object("bucket", "copy"));
  EXPECT_EQ(blob_files(), 2u);
  EXPECT_EQ(read_all(store->get_object("bucket", "big")->reader, 1 << 20),
            pseudo_random_bytes(9, kMinPartSize) + "z");
}

}  // namespace
}  // namespace upgate::store
