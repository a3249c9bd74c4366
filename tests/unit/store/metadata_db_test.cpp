#include "store/metadata_db.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <random>
#include <thread>

#include "test_support.hpp"

namespace upgate::store {
namespace {
using namespace testing;  // test_support.hpp
using Txn = MetadataDb::Txn;

// Runs one statement on its own connection, as an operator with the sqlite3 shell would.
std::string query_one(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

class MetadataDbTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    db.reset();
    auto opened = MetadataDb::open(file(), {});
    ASSERT_TRUE(opened) << opened.error().message;
    db = std::move(*opened);
    ASSERT_TRUE(db->write([](Txn& txn) -> Expected<void, StoreError> {
      if (!txn.find_bucket("b")) txn.insert_bucket({"b", now_ms(), "us-east-1", "private", {}});
      return {};
    }));
  }
  std::filesystem::path file() const { return dir.path() / "metadata.db"; }

  ObjectRecord object(std::string key, std::uint64_t size = 1) {
    ObjectRecord r;
    r.bucket = "b";
    r.key = std::move(key);
    r.size = size;
    r.etag = "0123456789abcdef0123456789abcdef";
    r.acl = "private";
    r.last_modified = now_ms();
    r.segments.push_back({BlobId::random(), size});
    return r;
  }
  void insert(ObjectRecord r) {
    ASSERT_TRUE(db->write([&](Txn& txn) -> Expected<void, StoreError> {
      txn.insert_object(r);
      return {};
    }));
  }
  std::vector<std::string> all_keys() {
    auto keys = db->read([](Txn& txn) -> Expected<std::vector<std::string>, StoreError> {
      std::vector<std::string> out;
      for (auto& s : txn.scan_objects("b", KeyRange{}, 100000)) out.push_back(s.key);
      return out;
    });
    EXPECT_TRUE(keys);
    return *keys;
  }

  TempDir dir;
  std::unique_ptr<MetadataDb> db;
};

TEST_F(MetadataDbTest, SchemaIsVersionedAndDurabilitySettingsApply) {
  EXPECT_EQ(db->schema_version(), MetadataDb::kSchemaVersion);
  EXPECT_EQ(query_one(file(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_one(file(), "SELECT count(*) FROM schema_migrations"),
            std::to_string(MetadataDb::kSchemaVersion));
  reopen();  // migrating again is a no-op
  EXPECT_EQ(query_one(file(), "SELECT count(*) FROM schema_migrations"),
            std::to_string(MetadataDb::kSchemaVersion));
}

TEST_F(MetadataDbTest, RefusesADatabaseFromANewerProgram) {
  db.reset();
  query_one(file(), "INSERT INTO schema_migrations (version, applied_ms) VALUES (999, 0)");
  auto opened = MetadataDb::open(file(), {});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, StoreErrc::kInternalError);
  EXPECT_NE(opened.error().message.find("999"), std::string::npos);
}

TEST_F(MetadataDbTest, ObjectRoundTripsEveryField) {
  ObjectRecord r = object("dir/file.txt", 42);
  r.parts_count = 3;
  r.headers = {"text/plain", "attachment; filename=\"x\"",   "gzip", "en",
               "max-age=60", "Thu, 01 Dec 1994 16:00:00 GMT"};
  // Metadata values may hold any byte; the encoding is length-prefixed.
  r.user_metadata = {{"a", "1"}, {"empty", ""}, {"bin", std::string("\0\xff\x80=;,", 6)}};
  r.checksums.set(ChecksumAlgorithm::kCrc32c, "4waSgw==");
  r.checksums.set(ChecksumAlgorithm::kSha256, "abc-3");
  r.segments.push_back({BlobId::random(), 0});
  r.segments.push_back({BlobId::random(), 41});
  insert(r);
  reopen();
  auto found = db->read([](Txn& txn) -> Expected<std::optional<ObjectRecord>, StoreError> {
    return txn.find_object("b", "dir/file.txt");
  });
  ASSERT_TRUE(found && *found);
  const ObjectRecord& f = **found;
  EXPECT_GT(f.generation, 0);
  EXPECT_EQ(f.key, r.key);
  EXPECT_EQ(f.size, 42u);
  EXPECT_EQ(f.etag, r.etag);
  EXPECT_EQ(f.parts_count, 3);
  EXPECT_EQ(f.headers, r.headers);
  EXPECT_EQ(f.user_metadata, r.user_metadata);
  EXPECT_EQ(f.checksums, r.checksums);
  EXPECT_EQ(f.last_modified, r.last_modified);
  ASSERT_EQ(f.segments.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(f.segments[i].blob, r.segments[i].blob);
    EXPECT_EQ(f.segments[i].size, r.segments[i].size);
  }
}

TEST_F(MetadataDbTest, KeysSortInUtf8ByteOrder) {
  std::vector<std::string> keys = {"a",
                                   "a/",
                                   "a/b",
                                   "a0",
                                   "ab",
                                   "B",
                                   "z",
                                   "caf\xc3\xa9",
                                   "\xe2\x82\xac",
                                   "\xf0\x9f\x98\x80",
                                   "\xef\xbf\xbd",
                                   std::string("a\0b", 3),
                                   "~"};
  for (const auto& k : keys) insert(object(k));
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());  // std::string compares bytes as unsigned
  EXPECT_EQ(all_keys(), sorted);
  // Spot-check what a TEXT collation could get wrong.
  EXPECT_LT(std::find(sorted.begin(), sorted.end(), "B"),
            std::find(sorted.begin(), sorted.end(), "a"));
  EXPECT_LT(std::find(sorted.begin(), sorted.end(), "\xef\xbf\xbd"),
            std::find(sorted.begin(), sorted.end(), "\xf0\x9f\x98\x80"));
}

TEST_F(MetadataDbTest, ScanHonoursHalfOpenRangesAndLimits) {
  for (const char* k : {"a", "b", "b/1", "b/2", "c"}) insert(object(k));
  auto scan = [&](KeyRange range, int limit) {
    return *db->read([&](Txn& txn) -> Expected<std::vector<std::string>, StoreError> {
      std::vector<std::string> out;
      for (auto& s : txn.scan_objects("b", range, limit)) out.push_back(s.key);
      return out;
    });
  };
  EXPECT_EQ(scan({"b", "c"}, 10), (std::vector<std::string>{"b", "b/1", "b/2"}));
  EXPECT_EQ(scan({"b/", "b0"}, 10), (std::vector<std::string>{"b/1", "b/2"}));
  EXPECT_EQ(scan({"b", std::nullopt}, 2), (std::vector<std::string>{"b", "b/1"}));
  EXPECT_EQ(scan({"d", std::nullopt}, 10), std::vector<std::string>{});
}

TEST_F(MetadataDbTest, FailedWriteRollsBackEverything) {
  auto result = db->write([&](Txn& txn) -> Expected<void, StoreError> {
    auto r = object("rolled-back");
    txn.insert_object(r);
    return Unexpected(StoreError{StoreErrc::kPreconditionFailed, "no"});
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, StoreErrc::kPreconditionFailed);
  EXPECT_TRUE(all_keys().empty());
  // A constraint violation is an InternalError value, not an exception, and also rolls back.
  auto duplicate = db->write([&](Txn& txn) -> Expected<void, StoreError> {
    auto first = object("dup");
    auto second = object("dup");
    txn.insert_object(first);
    txn.insert_object(second);
    return {};
  });
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, StoreErrc::kInternalError);
  EXPECT_TRUE(all_keys().empty());
  // And the writer is usable afterwards.
  insert(object("after"));
  EXPECT_EQ(all_keys(), std::vector<std::string>{"after"});
}

TEST_F(MetadataDbTest, ReadTransactionsCannotModify) {
  EXPECT_THROW((void)db->read([&](Txn& txn) -> Expected<void, StoreError> {
    auto r = object("x");
    txn.insert_object(r);
    return {};
  }),
               std::logic_error);
  EXPECT_TRUE(all_keys().empty());
}

TEST_F(MetadataDbTest, ReaderSeesOneSnapshotWhileAWriterCommits) {
  insert(object("first"));
  auto snapshot =
      db->read([&](Txn& txn) -> Expected<std::pair<std::size_t, std::size_t>, StoreError> {
        std::size_t before = txn.scan_objects("b", {}, 100).size();
        std::thread([&] { insert(object("second")); }).join();  // commits meanwhile
        std::size_t after = txn.scan_objects("b", {}, 100).size();
        return std::pair{before, after};
      });
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->first, 1u);
  EXPECT_EQ(snapshot->second, 1u);
  EXPECT_EQ(all_keys().size(), 2u);
}

TEST_F(MetadataDbTest, PartsUpsertAndBlobReferencesAreTracked) {
  UploadRecord upload{"u1", "b",          "key",     now_ms(),
                      {},   {{"m", "v"}}, "private", ChecksumAlgorithm::kCrc32};
  PartRecord part{"u1", 1, BlobId::random(), 10, "etag1", {}, now_ms()};
  PartRecord replacement{"u1", 1, BlobId::random(), 11, "etag2", {}, now_ms()};
  ASSERT_TRUE(db->write([&](Txn& txn) -> Expected<void, StoreError> {
    txn.insert_upload(upload);
    EXPECT_FALSE(txn.upsert_part(part));
    EXPECT_TRUE(txn.blob_referenced(part.blob));
    EXPECT_EQ(txn.upsert_part(replacement), part.blob);
    EXPECT_FALSE(txn.blob_referenced(part.blob));
    EXPECT_TRUE(txn.blob_referenced(replacement.blob));
    auto found = txn.find_upload("u1");
    EXPECT_TRUE(found);
    EXPECT_EQ(found->user_metadata, upload.user_metadata);
    EXPECT_EQ(found->checksum_algorithm, ChecksumAlgorithm::kCrc32);
    auto parts = txn.list_parts("u1", 0, 10);
    EXPECT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].etag, "etag2");
    txn.delete_upload("u1");  // takes its parts along
    EXPECT_FALSE(txn.blob_referenced(replacement.blob));
    EXPECT_TRUE(txn.list_parts("u1", 0, 10).empty());
    return {};
  }));
}

TEST_F(MetadataDbTest, DeletingAnObjectDropsItsSegments) {
  auto r = object("gone");
  insert(r);
  ASSERT_TRUE(db->write([&](Txn& txn) -> Expected<void, StoreError> {
    auto found = txn.find_object("b", "gone");
    EXPECT_TRUE(txn.blob_referenced(r.segments[0].blob));
    txn.delete_object(found->generation);
    EXPECT_FALSE(txn.blob_referenced(r.segments[0].blob));
    return {};
  }));
  EXPECT_EQ(query_one(file(), "SELECT count(*) FROM object_segments"), "0");
}

TEST_F(MetadataDbTest, GenerationsAreNeverReused) {
  insert(object("k"));
  std::int64_t first = 0;
  ASSERT_TRUE(db->write([&](Txn& txn) -> Expected<void, StoreError> {
    auto found = txn.find_object("b", "k");
    first = found->generation;
    txn.delete_object(first);
    return {};
  }));
  insert(object("k"));
  auto found = db->read([](Txn& txn) -> Expected<std::optional<ObjectRecord>, StoreError> {
    return txn.find_object("b", "k");
  });
  EXPECT_GT((*found)->generation, first);
}

}  // namespace
}  // namespace upgate::store
