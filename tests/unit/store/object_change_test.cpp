// The engine tells its listener of every created and removed object, after the commit.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "store/object_store.hpp"
#include "test_support.hpp"
#include "upgate/store/object_change.hpp"

namespace upgate::store {
namespace {
using testing::bytes_of;
using testing::TempDir;

class ObjectChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ObjectStoreOptions options;
    options.on_change = [this](const ObjectChange& change) {
      // Committed before the listener runs: the change is visible to a reader now.
      auto seen = store->head_object(change.bucket, change.key);
      visible_when_told.push_back(change.kind == ObjectChange::Kind::kCreated
                                      ? seen.has_value() && seen->etag == change.etag
                                      : !seen.has_value());
      changes.push_back(change);
    };
    auto opened = ObjectStore::open(dir.path(), options);
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
    ASSERT_TRUE(store->create_bucket({"bucket"}));
  }
  CommittedBlob blob(std::string_view data) {
    auto writer = store->begin_blob();
    EXPECT_TRUE(writer);
    EXPECT_TRUE(writer->append(bytes_of(data)));
    auto committed = writer->commit();
    EXPECT_TRUE(committed);
    return std::move(*committed);
  }
  Expected<PutObjectResult, StoreError> put(std::string key, std::string_view data,
                                            bool if_none_match = false) {
    PutObjectRequest request{.bucket = "bucket", .key = std::move(key)};
    request.headers.content_type = "image/png";
    request.user_metadata = {{"album", "cats"}};
    request.if_none_match_star = if_none_match;
    return store->put_object(request, blob(data));
  }

  TempDir dir;
  std::unique_ptr<ObjectStore> store;
  std::vector<ObjectChange> changes;
  std::vector<bool> visible_when_told;
};

TEST_F(ObjectChangeTest, APutIsReportedAfterItsCommitWithWhatWasStored) {
  auto put_result = put("a/b.png", "hello");
  ASSERT_TRUE(put_result);
  ASSERT_EQ(changes.size(), 1u);
  const auto& c = changes[0];
  EXPECT_EQ(c.kind, ObjectChange::Kind::kCreated);
  EXPECT_EQ(c.event_name, "ObjectCreated:Put");
  EXPECT_EQ(c.bucket, "bucket");
  EXPECT_EQ(c.key, "a/b.png");
  EXPECT_EQ(c.size, 5u);
  EXPECT_EQ(c.etag, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(c.content_type, "image/png");
  ASSERT_EQ(c.user_metadata.size(), 1u);
  EXPECT_EQ(c.user_metadata[0].second, "cats");
  EXPECT_EQ(c.sequencer, change_sequencer(put_result->generation));
  EXPECT_EQ(c.sequencer.size(), 16u);
  EXPECT_EQ(visible_when_told, std::vector<bool>{true});
}

TEST_F(ObjectChangeTest, RefusedWritesAndMissingDeletesAreNotReported) {
  ASSERT_TRUE(put("k", "one"));
  EXPECT_FALSE(put("k", "two", /*if_none_match=*/true));  // PreconditionFailed
  PutObjectRequest nowhere{.bucket = "missing", .key = "k"};
  EXPECT_FALSE(store->put_object(nowhere, blob("x")));
  EXPECT_TRUE(store->delete_object("bucket", "never-there"));
  EXPECT_FALSE(store->copy_object(
      {.source_bucket = "bucket", .source_key = "absent", .bucket = "bucket", .key = "copy"}));
  EXPECT_EQ(changes.size(), 1u);
}

TEST_F(ObjectChangeTest, CopyDeleteAndBatchDeleteAreReportedInOrderWithGrowingSequencers) {
  ASSERT_TRUE(put("src", "data"));
  ASSERT_TRUE(store->copy_object(
      {.source_bucket = "bucket", .source_key = "src", .bucket = "bucket", .key = "dst"}));
  ASSERT_TRUE(store->delete_object("bucket", "src"));
  auto batch = store->delete_objects("bucket", {"dst", "nothing"});
  ASSERT_TRUE(batch);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[1].event_name, "ObjectCreated:Copy");
  EXPECT_EQ(changes[1].key, "dst");
  EXPECT_EQ(changes[1].size, 4u);
  EXPECT_EQ(changes[1].content_type, "image/png");
  EXPECT_EQ(changes[2].kind, ObjectChange::Kind::kRemoved);
  EXPECT_EQ(changes[2].event_name, "ObjectRemoved:Delete");
  EXPECT_EQ(changes[2].key, "src");
  EXPECT_EQ(changes[2].sequencer, changes[0].sequencer);  // the version it removed
  EXPECT_EQ(changes[3].key, "dst");
  EXPECT_LT(changes[0].sequencer, changes[1].sequencer);
  EXPECT_EQ(visible_when_told, (std::vector<bool>{true, true, true, true}));
}

TEST_F(ObjectChangeTest, ACompletedMultipartUploadIsOneCreation) {
  auto upload = store->create_multipart_upload({.bucket = "bucket", .key = "big"});
  ASSERT_TRUE(upload);
  auto part = store->upload_part("bucket", "big", upload->upload_id, 1, blob("only part"));
  ASSERT_TRUE(part);
  ASSERT_TRUE(
      store->complete_multipart_upload("bucket", "big", upload->upload_id, {{1, part->etag}}));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].event_name, "ObjectCreated:CompleteMultipartUpload");
  EXPECT_EQ(changes[0].size, 9u);
  EXPECT_TRUE(changes[0].etag.ends_with("-1"));
  // A retried complete answers as the first did and reports nothing new.
  ASSERT_TRUE(
      store->complete_multipart_upload("bucket", "big", upload->upload_id, {{1, part->etag}}));
  EXPECT_EQ(changes.size(), 1u);
}

}  // namespace
}  // namespace upgate::store
