// Everything the store knows about buckets, objects, uploads and parts, in one
// SQLite 3 database, behind typed queries run inside transactions.
//
// Promises:
//  - write(fn) runs fn in one serialisable transaction (BEGIN IMMEDIATE on the
//    single writer connection): fn's reads and writes are atomic together, so a
//    check such as "the key does not exist" and the insert that relies on it
//    cannot be separated by another writer. fn returning an error rolls back.
//  - read(fn) runs fn against one consistent snapshot, on a pool of reader
//    connections that never wait for the writer (WAL).
//  - A successful write() is durable when it returns. journal_mode=WAL with
//    synchronous=FULL: the WAL is fsynced at every commit. synchronous=NORMAL
//    would survive a process crash but may lose the last commits on power
//    loss, and the store unlinks an overwritten blob right after the commit
//    that replaced it: a rolled-back commit whose unlink survived would leave a
//    row naming a missing blob. One fsync per write is the price of never
//    acknowledging an upload that a power cut can take back. Options can relax
//    it (sync_commits = false) where that trade is wanted, e.g. throwaway tests.
//  - Keys are BLOBs compared with memcmp, which for UTF-8 is S3's listing order
//    (code point order). Schema changes are numbered migrations recorded in
//    schema_migrations; a database newer than this program is refused.
//  - No exception escapes read()/write(): SQLite failures become InternalError.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "records.hpp"
#include "store_error.hpp"
#include "upgate/expected.hpp"
#include "upgate/store/sqlite.hpp"  // DbError, which read() and write() turn into values

namespace upgate::store {

namespace detail {
class SqliteConnection;
}

// A half-open range of keys [from, to) in byte order; `to` absent = unbounded.
struct KeyRange {
  std::string from;
  std::optional<std::string> to;
};

class MetadataDb {
 public:
  struct Options {
    bool sync_commits = true;  // synchronous=FULL; see the file comment
    int busy_timeout_ms = 5000;
  };

  static constexpr int kSchemaVersion = 3;

  static Expected<std::unique_ptr<MetadataDb>, StoreError> open(const std::filesystem::path& file,
                                                                Options options);
  ~MetadataDb();
  MetadataDb(const MetadataDb&) = delete;
  MetadataDb& operator=(const MetadataDb&) = delete;

  // The queries. Methods that modify throw std::logic_error in a read transaction.
  class Txn {
   public:
    // Buckets.
    std::optional<BucketRecord> find_bucket(std::string_view name);
    std::vector<BucketRecord> list_buckets();
    void insert_bucket(const BucketRecord& bucket);
    void delete_bucket(std::string_view name);
    void update_bucket_cors(std::string_view name, const std::optional<std::string>& cors);
    void update_bucket_acl(std::string_view name, std::string_view acl);
    bool bucket_has_objects(std::string_view bucket);
    // A bucket's lifecycle configuration (S3's XML, as the store wrote it); dropped with
    // the bucket.
    std::optional<std::string> find_bucket_lifecycle(std::string_view bucket);
    void put_bucket_lifecycle(std::string_view bucket, std::string_view configuration);
    void delete_bucket_lifecycle(std::string_view bucket);
    // The buckets that have one, by name.
    std::vector<std::string> buckets_with_lifecycle();
    bool bucket_has_uploads(std::string_view bucket);

    // Objects. insert_object assigns record.generation; the key must be free.
    std::optional<ObjectRecord> find_object(std::string_view bucket, std::string_view key);
    void insert_object(ObjectRecord& record);
    std::optional<std::int64_t> find_object_generation(std::string_view bucket,
                                                       std::string_view key);
    void delete_object(std::int64_t generation);
    // Visits the objects with keys in `range` in key order until `visit`
    // returns false. Rows are read lazily, so stopping early costs nothing;
    // `visit` must not run queries on this transaction.
    void for_each_object(std::string_view bucket, const KeyRange& range,
                         const std::function<bool(ObjectSummary&&)>& visit);
    // The first `limit` of those.
    std::vector<ObjectSummary> scan_objects(std::string_view bucket, const KeyRange& range,
                                            int limit);

    // Multipart uploads, ordered by (key, upload_id) when scanned.
    void insert_upload(const UploadRecord& upload);
    std::optional<UploadRecord> find_upload(std::string_view upload_id);
    void delete_upload(std::string_view upload_id);  // and its parts
    // A completed upload: the object it became (its generation) and a digest of the
    // part list it was completed with. Forgotten with the object.
    struct CompletedUpload {
      std::int64_t generation = 0;
      std::string parts_digest{};
    };
    void insert_completed_upload(std::string_view upload_id, const CompletedUpload& completed);
    std::optional<CompletedUpload> find_completed_upload(std::string_view upload_id);
    // Visits uploads with (key, upload_id) > (after_key, after_upload_id) and
    // key < range_end, in that order, until `visit` returns false (lazily, as
    // for_each_object).
    void for_each_upload(std::string_view bucket, std::string_view after_key,
                         std::string_view after_upload_id,
                         const std::optional<std::string>& range_end,
                         const std::function<bool(UploadRecord&&)>& visit);

    // Parts. upsert_part returns the blob of the part it replaced, if any.
    std::optional<BlobId> upsert_part(const PartRecord& part);
    std::vector<PartRecord> list_parts(std::string_view upload_id, int after_part_number,
                                       int limit);

    // Whether any object segment or part still names this blob.
    bool blob_referenced(const BlobId& blob);

   private:
    friend class MetadataDb;
    Txn(detail::SqliteConnection& connection, bool writable)
        : connection_(connection), writable_(writable) {}
    void require_writable() const;
    detail::SqliteConnection& connection_;
    bool writable_;
  };

  template <class F>
  auto read(F&& fn) -> std::invoke_result_t<F, Txn&>;
  template <class F>
  auto write(F&& fn) -> std::invoke_result_t<F, Txn&>;

  int schema_version();
  // True when this open() created the schema: the database was new or empty.
  bool created_fresh() const { return created_fresh_; }

 private:
  MetadataDb(std::filesystem::path file, Options options);
  void migrate();
  std::unique_ptr<detail::SqliteConnection> open_connection(bool read_only);
  // Reader connections are lent as raw pointers so the templates below need
  // no complete type; discard_reader() destroys one whose state is unknown.
  detail::SqliteConnection* take_reader();
  void return_reader(detail::SqliteConnection* connection);
  void discard_reader(detail::SqliteConnection* connection) noexcept;
  static void begin(detail::SqliteConnection& c, bool immediate);
  static void commit(detail::SqliteConnection& c);
  static void rollback(detail::SqliteConnection& c) noexcept;

  std::filesystem::path file_;
  Options options_;
  bool created_fresh_ = false;
  std::mutex writer_mutex_;
  std::unique_ptr<detail::SqliteConnection> writer_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<detail::SqliteConnection>> idle_readers_;
};

template <class F>
auto MetadataDb::read(F&& fn) -> std::invoke_result_t<F, Txn&> {
  detail::SqliteConnection* connection = nullptr;
  try {
    connection = take_reader();
    begin(*connection, false);
    Txn txn(*connection, false);
    auto result = fn(txn);
    commit(*connection);  // ends the snapshot
    return_reader(connection);
    return result;
  } catch (const DbError& e) {
    if (connection != nullptr) discard_reader(connection);
    return Unexpected(StoreError{StoreErrc::kInternalError, e.what()});
  } catch (...) {
    if (connection != nullptr) discard_reader(connection);
    throw;
  }
}

template <class F>
auto MetadataDb::write(F&& fn) -> std::invoke_result_t<F, Txn&> {
  std::lock_guard lock(writer_mutex_);
  try {
    begin(*writer_, true);
    Txn txn(*writer_, true);
    auto result = fn(txn);
    if (result.has_value()) {
      commit(*writer_);
    } else {
      rollback(*writer_);
    }
    return result;
  } catch (const DbError& e) {
    rollback(*writer_);
    return Unexpected(StoreError{StoreErrc::kInternalError, e.what()});
  } catch (...) {
    rollback(*writer_);  // the writer must never be left inside a transaction
    throw;
  }
}

}  // namespace upgate::store
