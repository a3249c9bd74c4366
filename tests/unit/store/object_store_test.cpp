#include "store/object_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <random>
#include <set>
#include <thread>

#include "object_store_fixture.hpp"

namespace upgate::store {
namespace {
namespace fs = std::filesystem;
using namespace testing;  // test_support.hpp

using ObjectStoreTest = ObjectStoreFixture;

TEST_F(ObjectStoreTest, BucketsCanBeCreatedListedAndDeletedOnlyWhenEmpty) {
  auto again = store->create_bucket({"bucket"});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, StoreErrc::kBucketAlreadyOwnedByYou);
  EXPECT_EQ(store->create_bucket({"Bad_Name"}).error().code, StoreErrc::kInvalidBucketName);
  auto second =
      store->create_bucket({.name = "another", .region = "eu-west-1", .acl = "public-read"});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->region, "eu-west-1");
  EXPECT_EQ(store->head_bucket("bucket")->region, "us-east-1");
  EXPECT_EQ(store->head_bucket("missing").error().code, StoreErrc::kNoSuchBucket);
  auto all = store->list_buckets();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "another");
  EXPECT_EQ((*all)[0].acl, "public-read");

  ASSERT_TRUE(put("k", "v"));
  EXPECT_EQ(store->delete_bucket("bucket").error().code, StoreErrc::kBucketNotEmpty);
  ASSERT_TRUE(store->delete_object("bucket", "k"));
  auto upload = store->create_multipart_upload({.bucket = "bucket", .key = "mp"});
  ASSERT_TRUE(upload);
  EXPECT_EQ(store->delete_bucket("bucket").error().code, StoreErrc::kBucketNotEmpty);
  ASSERT_TRUE(store->abort_multipart_upload("bucket", "mp", upload->upload_id));
  EXPECT_TRUE(store->delete_bucket("bucket"));
  EXPECT_EQ(store->delete_bucket("bucket").error().code, StoreErrc::kNoSuchBucket);
}

TEST_F(ObjectStoreTest, CorsAndAclAreKeptPerBucket) {
  EXPECT_EQ(store->get_bucket_cors("bucket").error().code, StoreErrc::kNoSuchCORSConfiguration);
  ASSERT_TRUE(store->put_bucket_cors("bucket", "<CORSConfiguration/>"));
  EXPECT_EQ(*store->get_bucket_cors("bucket"), "<CORSConfiguration/>");
  ASSERT_TRUE(store->delete_bucket_cors("bucket"));
  EXPECT_EQ(store->get_bucket_cors("bucket").error().code, StoreErrc::kNoSuchCORSConfiguration);
  EXPECT_EQ(store->put_bucket_cors("nope", "x").error().code, StoreErrc::kNoSuchBucket);
  EXPECT_EQ(store->get_bucket_cors("nope").error().code, StoreErrc::kNoSuchBucket);
  ASSERT_TRUE(store->put_bucket_acl("bucket", "public-read"));
  EXPECT_EQ(store->head_bucket("bucket")->acl, "public-read");
}

TEST_F(ObjectStoreTest, PutThenGetAndHeadReturnBytesAndMetadata) {
  PutObjectRequest request{.bucket = "bucket", .key = "docs/report.pdf"};
  request.headers.content_type = "application/pdf";
  request.headers.cache_control = "no-cache";
  request.user_metadata = {{"owner", "alice"}};
  request.acl = "public-read";
  auto put =
      store->put_object(request, blob("%PDF-1.7", ChecksumSet().with(ChecksumAlgorithm::kCrc32c)));
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->etag, "f87357c6cdc4f067e19f42aebabc6fb7");
  EXPECT_TRUE(put->checksums.get(ChecksumAlgorithm::kCrc32c));

  auto head = store->head_object("bucket", "docs/report.pdf");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 8u);
  EXPECT_EQ(head->etag, put->etag);
  EXPECT_EQ(head->headers.content_type, "application/pdf");
  EXPECT_EQ(head->headers.cache_control, "no-cache");
  EXPECT_EQ(head->user_metadata, request.user_metadata);
  EXPECT_EQ(head->acl, "public-read");
  EXPECT_EQ(head->checksums, put->checksums);
  EXPECT_EQ(head->last_modified, put->last_modified);
  EXPECT_EQ(head->generation, put->generation);
  EXPECT_EQ(get("docs/report.pdf"), "%PDF-1.7");

  EXPECT_EQ(store->head_object("bucket", "docs").error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(store->get_object("bucket", "nope").error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(store->get_object("nobucket", "x").error().code, StoreErrc::kNoSuchBucket);
}

TEST_F(ObjectStoreTest, KeysThatLookLikePathsAreJustKeys) {
  for (std::string key : {"a", "a/b", "a/b/c", "../../../etc/passwd", "a//b", "/leading", "."}) {
    ASSERT_TRUE(put(key, "content of " + key)) << key;
  }
  for (std::string key : {"a", "a/b", "a/b/c", "../../../etc/passwd", "a//b", "/leading", "."}) {
    EXPECT_EQ(get(key), "content of " + key);
  }
  EXPECT_FALSE(fs::exists(dir.path() / ".." / "etc"));
}

TEST_F(ObjectStoreTest, InvalidKeysAndOversizedMetadataAreRefusedAndLeaveNothing) {
  EXPECT_EQ(put(std::string(1025, 'k'), "x").error().code, StoreErrc::kKeyTooLong);
  EXPECT_EQ(put("bad\xff", "x").error().code, StoreErrc::kInvalidObjectKey);
  EXPECT_EQ(put("", "x").error().code, StoreErrc::kInvalidObjectKey);
  EXPECT_TRUE(put(std::string(1024, 'k'), "x"));

  PutObjectRequest request{.bucket = "bucket", .key = "meta"};
  request.user_metadata = {{"name", std::string(2048 - 4, 'v')}};  // exactly 2 KiB
  EXPECT_TRUE(store->put_object(request, blob("x")));
  request.user_metadata[0].second += "v";
  EXPECT_EQ(store->put_object(request, blob("x")).error().code, StoreErrc::kMetadataTooLarge);

  PutObjectRequest missing{.bucket = "nobucket", .key = "k"};
  EXPECT_EQ(store->put_object(missing, blob("x")).error().code, StoreErrc::kNoSuchBucket);
  EXPECT_EQ(blob_files(), 2u);  // the two objects that were stored, nothing else
}

TEST_F(ObjectStoreTest, OverwriteReplacesAndUnlinksTheOldBlobAfterCommit) {
  ASSERT_TRUE(put("k", "old"));
  auto first = store->head_object("bucket", "k");
  ASSERT_TRUE(put("k", "new"));
  EXPECT_EQ(get("k"), "new");
  EXPECT_EQ(blob_files(), 1u);
  EXPECT_FALSE(fs::exists(store->blobs().blob_path(first->segments[0].blob)));
  EXPECT_GT(store->head_object("bucket", "k")->generation, first->generation);
}

TEST_F(ObjectStoreTest, ReaderOpenedBeforeAnOverwriteFinishesWithTheOldBytes) {
  std::string old_data = pseudo_random_bytes(1, 1 << 20);
  ASSERT_TRUE(put("k", old_data));
  auto opened = store->get_object("bucket", "k");
  ASSERT_TRUE(opened);
  std::string first_part(1000, '\0');
  ASSERT_TRUE(
      opened->reader.read_at(0, std::as_writable_bytes(std::span(first_part.data(), 1000))));

  ASSERT_TRUE(put("k", "replacement"));
  ASSERT_TRUE(store->delete_object("bucket", "k"));
  EXPECT_EQ(store->get_object("bucket", "k").error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(read_all(opened->reader, 65536), old_data);
  // The old blob outlived its row only as long as the reader needed it.
  EXPECT_EQ(blob_files(), 1u);
  opened = store->get_object("bucket", "missing");
  EXPECT_EQ(blob_files(), 0u);
}

TEST_F(ObjectStoreTest, ReadersRacingOverwritesAlwaysSeeOneWholeVersion) {
  // Every version is 64 KiB of one repeated letter; a reader must never mix two.
  auto version = [](int i) { return std::string(65536, static_cast<char>('a' + i % 26)); };
  ASSERT_TRUE(put("hot", version(0)));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 1; i < 200; ++i) ASSERT_TRUE(put("hot", version(i)));
    stop = true;
  });
  int reads = 0;
  while (!stop || reads < 50) {
    auto opened = store->get_object("bucket", "hot");
    ASSERT_TRUE(opened) << opened.error().message;
    std::string data = read_all(opened->reader, 8192);
    ASSERT_EQ(data.size(), 65536u);
    ASSERT_EQ(data.find_first_not_of(data[0]), std::string::npos);
    ++reads;
  }
  writer.join();
  EXPECT_EQ(blob_files(), 1u);
}

TEST_F(ObjectStoreTest, IfNoneMatchStarLetsExactlyOneRacingCreatorWin) {
  for (int round = 0; round < 20; ++round) {
    std::string key = "race-" + std::to_string(round);
    std::atomic<int> wins{0}, precondition_failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        auto result = put(key, "writer " + std::to_string(t), true);
        if (result) {
          ++wins;
        } else if (result.error().code == StoreErrc::kPreconditionFailed) {
          ++precondition_failures;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins, 1);
    EXPECT_EQ(precondition_failures, 3);
  }
  EXPECT_EQ(blob_files(), 20u);  // the losers' blobs are gone
}

TEST_F(ObjectStoreTest, DeleteIsIdempotentAndBatchDeleteReportsEachKey) {
  ASSERT_TRUE(put("a", "1"));
  ASSERT_TRUE(put("b", "2"));
  EXPECT_TRUE(store->delete_object("bucket", "a"));
  EXPECT_TRUE(store->delete_object("bucket", "a"));
  EXPECT_EQ(store->delete_object("nobucket", "a").error().code, StoreErrc::kNoSuchBucket);

  auto result = store->delete_objects("bucket", {"b", "never-existed", std::string(1025, 'x')});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->deleted, (std::vector<std::string>{"b", "never-existed"}));
  ASSERT_EQ(result->failed.size(), 1u);
  EXPECT_EQ(result->failed[0].error.code, StoreErrc::kKeyTooLong);
  EXPECT_EQ(blob_files(), 0u);
  EXPECT_EQ(store->delete_objects("bucket", std::vector<std::string>(1001, "k")).error().code,
            StoreErrc::kInvalidRequest);
}

TEST_F(ObjectStoreTest, CopySharesBlobsUntilTheLastReferenceGoes) {
  PutObjectRequest request{.bucket = "bucket", .key = "src"};
  request.headers.content_type = "text/plain";
  request.user_metadata = {{"k", "v"}};
  ASSERT_TRUE(store->put_object(request, blob("payload")));
  ASSERT_TRUE(store->create_bucket({"other"}));

  CopyObjectRequest copy{
      .source_bucket = "bucket", .source_key = "src", .bucket = "other", .key = "dst"};
  auto copied = store->copy_object(copy);
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->etag, store->head_object("bucket", "src")->etag);
  auto dst = store->head_object("other", "dst");
  EXPECT_EQ(dst->headers.content_type, "text/plain");  // COPY directive keeps metadata
  EXPECT_EQ(dst->user_metadata, request.user_metadata);
  EXPECT_EQ(blob_files(), 1u);  // shared, not duplicated

  ASSERT_TRUE(store->delete_object("bucket", "src"));
  EXPECT_EQ(blob_files(), 1u);
  {
    auto opened = store->get_object("other", "dst");
    ASSERT_TRUE(opened);
    EXPECT_EQ(read_all(opened->reader), "payload");
    ASSERT_TRUE(store->delete_object("other", "dst"));
    EXPECT_EQ(blob_files(), 1u);  // pinned by the open reader
  }
  EXPECT_EQ(blob_files(), 0u);
}

TEST_F(ObjectStoreTest, CopyRulesFollowS3) {
  ASSERT_TRUE(put("src", "payload"));
  CopyObjectRequest self{
      .source_bucket = "bucket", .source_key = "src", .bucket = "bucket", .key = "src"};
  EXPECT_EQ(store->copy_object(self).error().code, StoreErrc::kInvalidRequest);
  self.replace_metadata = true;
  self.headers.content_type = "text/x-new";
  ASSERT_TRUE(store->copy_object(self));
  EXPECT_EQ(store->head_object("bucket", "src")->headers.content_type, "text/x-new");
  EXPECT_EQ(get("src"), "payload");
  EXPECT_EQ(blob_files(), 1u);

  CopyObjectRequest copy{
      .source_bucket = "bucket", .source_key = "src", .bucket = "bucket", .key = "dst"};
  copy.source_if_match = "\"ffffffffffffffffffffffffffffffff\"";
  EXPECT_EQ(store->copy_object(copy).error().code, StoreErrc::kPreconditionFailed);
  copy.source_if_match = "\"" + store->head_object("bucket", "src")->etag + "\"";
  ASSERT_TRUE(store->copy_object(copy));
  copy.if_none_match_star = true;
  EXPECT_EQ(store->copy_object(copy).error().code, StoreErrc::kPreconditionFailed);
  copy.source_key = "missing";
  EXPECT_EQ(store->copy_object(copy).error().code, StoreErrc::kNoSuchKey);
  copy.source_bucket = "nobucket";
  EXPECT_EQ(store->copy_object(copy).error().code, StoreErrc::kNoSuchBucket);
}

TEST_F(ObjectStoreTest, IfMatchIsDecidedAgainstTheObjectTheWriteReplaces) {
  PutObjectRequest request{.bucket = "bucket", .key = "k"};
  request.if_match = "\"0123456789abcdef0123456789abcdef\"";
  EXPECT_EQ(store->put_object(request, blob("v0")).error().code, StoreErrc::kNoSuchKey);
  auto first = put("k", "v1");
  ASSERT_TRUE(first);
  EXPECT_EQ(store->put_object(request, blob("v2")).error().code, StoreErrc::kPreconditionFailed);
  EXPECT_EQ(get("k"), "v1");
  request.if_match = "\"" + first->etag + "\"";
  ASSERT_TRUE(store->put_object(request, blob("v2")));
  EXPECT_EQ(get("k"), "v2");
  // The same If-Match again: the object it named was replaced by the write above.
  EXPECT_EQ(store->put_object(request, blob("v3")).error().code, StoreErrc::kPreconditionFailed);
  EXPECT_EQ(get("k"), "v2");
  EXPECT_EQ(blob_files(), 1u);  // the refused writes' blobs are gone

  CopyObjectRequest copy{
      .source_bucket = "bucket", .source_key = "k", .bucket = "bucket", .key = "dst"};
  copy.if_match = "*";
  EXPECT_EQ(store->copy_object(copy).error().code, StoreErrc::kNoSuchKey);
  ASSERT_TRUE(put("dst", "old"));
  ASSERT_TRUE(store->copy_object(copy));
  EXPECT_EQ(get("dst"), "v2");
}

TEST_F(ObjectStoreTest, EverythingSurvivesReopening) {
  ASSERT_TRUE(put("persist", "across restarts"));
  ASSERT_TRUE(store->put_bucket_cors("bucket", "<CORSConfiguration/>"));
  open();
  EXPECT_EQ(get("persist"), "across restarts");
  EXPECT_EQ(*store->get_bucket_cors("bucket"), "<CORSConfiguration/>");
  EXPECT_EQ(store->recovery_report().orphan_blobs_removed, 0u);
}

TEST_F(ObjectStoreTest, ASecondStoreOnTheSameDirectoryIsRefused) {
  auto second = ObjectStore::open(dir.path());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, StoreErrc::kServiceUnavailable);
}

TEST_F(ObjectStoreTest, GarbageCollectionWhileWritingKeepsEveryObject) {
  std::atomic<bool> stop{false};
  std::thread collector([&] {
    while (!stop) ASSERT_TRUE(store->collect_garbage());
  });
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(put("k" + std::to_string(i % 10), std::to_string(i)));
  stop = true;
  collector.join();
  for (int i = 90; i < 100; ++i) EXPECT_EQ(get("k" + std::to_string(i % 10)), std::to_string(i));
  EXPECT_EQ(blob_files(), 10u);
}

// Every write path at once from several threads: afterwards every object
// reads back whole, every blob file is referenced by exactly the rows that
// should reference it, and a sweep finds nothing to remove.
TEST_F(ObjectStoreTest, ConcurrentMixedOperationsNeitherLeakNorLoseBlobs) {
  auto content = [](std::uint64_t seed) { return pseudo_random_bytes(seed, seed % 3000); };
  auto put_seeded = [&](const std::string& key, std::uint64_t seed) {
    PutObjectRequest request{.bucket = "bucket", .key = key};
    request.user_metadata = {{"seed", std::to_string(seed)}};
    return store->put_object(request, blob(content(seed)));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 120; ++i) {
        std::string key = "k" + std::to_string(rng() % 12);
        std::uint64_t seed = static_cast<std::uint64_t>(t) * 100000 + i;
        switch (rng() % 6) {
          case 0:
          case 1:
            ASSERT_TRUE(put_seeded(key, seed));
            break;
          case 2:
            ASSERT_TRUE(store->delete_object("bucket", key));
            break;
          case 3: {
            auto copied = store->copy_object({.source_bucket = "bucket",
                                              .source_key = key,
                                              .bucket = "bucket",
                                              .key = "k" + std::to_string(rng() % 12)});
            if (!copied) {
              auto code = copied.error().code;
              ASSERT_TRUE(code == StoreErrc::kNoSuchKey || code == StoreErrc::kInvalidRequest)
                  << copied.error().message;
            }
            break;
          }
          case 4: {
            auto opened = store->get_object("bucket", key);
            if (opened) {
              auto data = read_all(opened->reader, 1024);
              ASSERT_EQ(data, content(std::stoull(opened->record.user_metadata.at(0).second)));
            }
            break;
          }
          case 5: {
            CreateMultipartUploadRequest request{.bucket = "bucket", .key = key};
            request.user_metadata = {{"seed", std::to_string(seed)}};
            auto upload = store->create_multipart_upload(request);
            ASSERT_TRUE(upload);
            auto part =
                store->upload_part("bucket", key, upload->upload_id, 1, blob(content(seed)));
            ASSERT_TRUE(part);
            if (rng() % 3 == 0) {
              ASSERT_TRUE(store->abort_multipart_upload("bucket", key, upload->upload_id));
            } else if (rng() % 2 == 0) {
              ASSERT_TRUE(store->complete_multipart_upload("bucket", key, upload->upload_id,
                                                           {{1, part->etag}}));
            }  // else left in progress
            break;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  std::set<std::string> referenced;
  auto listed = store->list_objects({.bucket = "bucket"});
  ASSERT_TRUE(listed);
  for (const auto& summary : listed->contents) {
    auto opened = store->get_object("bucket", summary.key);
    ASSERT_TRUE(opened);
    EXPECT_EQ(read_all(opened->reader, 4096),
              content(std::stoull(opened->record.user_metadata.at(0).second)));
    for (const auto& s : opened->record.segments) referenced.insert(s.blob.hex());
  }
  auto uploads = store->list_multipart_uploads({.bucket = "bucket"});
  ASSERT_TRUE(uploads);
  for (const auto& upload : uploads->uploads) {
    auto parts = store->list_parts("bucket", upload.key, upload.upload_id);
    ASSERT_TRUE(parts);
    for (const auto& part : parts->parts) referenced.insert(part.blob.hex());
  }
  std::set<std::string> on_disk;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "blobs")) {
    if (e.is_regular_file()) on_disk.insert(e.path().filename().string());
  }
  std::vector<std::string> leaked, lost;
  std::ranges::set_difference(on_disk, referenced, std::back_inserter(leaked));
  std::ranges::set_difference(referenced, on_disk, std::back_inserter(lost));
  EXPECT_TRUE(leaked.empty()) << leaked.size() << " blob files no row references";
  EXPECT_TRUE(lost.empty()) << lost.size() << " referenced blobs are missing";
  auto swept = store->collect_garbage();
  ASSERT_TRUE(swept);
  EXPECT_EQ(swept->orphan_blobs_removed, 0u);
  EXPECT_EQ(swept->temp_files_removed, 0u);
}

}  // namespace
}  // namespace upgate::store
