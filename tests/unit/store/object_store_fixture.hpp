// The one ObjectStore fixture of the engine's tests: a real store (SQLite, blob files)
// in a private temporary directory with one bucket, "bucket", and one-liners to write
// and read objects through it. Derived fixtures set `options` in their constructor.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/object_store.hpp"
#include "test_support.hpp"

namespace upgate::store::testing {

class ObjectStoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    open();
    ASSERT_TRUE(store->create_bucket({"bucket"}));
  }

  // Opens the store on `dir` again (closing it first), as a restart does.
  void open() {
    store.reset();
    auto opened = ObjectStore::open(dir.path(), options);
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
  }

  // `data` as a committed blob, ready for put_object or upload_part.
  CommittedBlob blob(std::string_view data, ChecksumSet checksums = {},
                     std::uint64_t max_size = kMaxSinglePutSize) {
    auto writer = store->begin_blob(checksums, max_size);
    EXPECT_TRUE(writer) << writer.error().message;
    EXPECT_TRUE(writer->append(bytes_of(data)));
    auto committed = writer->commit();
    EXPECT_TRUE(committed) << committed.error().message;
    return std::move(*committed);
  }

  Expected<PutObjectResult, StoreError> put(std::string key, std::string_view data,
                                            bool if_none_match = false) {
    PutObjectRequest request{.bucket = "bucket", .key = std::move(key)};
    request.if_none_match_star = if_none_match;
    return store->put_object(request, blob(data));
  }

  // The object's bytes, read back through get_object ("" and a failure when missing).
  std::string get(std::string_view key) {
    auto opened = store->get_object("bucket", key);
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? read_all(opened->reader, 4096) : std::string();
  }

  // Blob files under <data>/blobs: what the store keeps on disk.
  std::size_t blob_files() const {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "blobs")) {
      n += e.is_regular_file();
    }
    return n;
  }

  ObjectStoreOptions options;
  TempDir dir;
  std::unique_ptr<ObjectStore> store;
};

}  // namespace upgate::store::testing
