// Opening (lock, migrate, recover), buckets and single objects. Listings are in
// object_store_listing.cpp, multipart uploads in object_store_multipart.cpp.
#include "object_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "names.hpp"
#include "object_store_internal.hpp"

namespace upgate::store {
namespace fs = std::filesystem;
using detail::no_such_bucket;
using detail::no_such_key;
using Txn = MetadataDb::Txn;

namespace {

// The result of a write transaction plus the blobs to unlink once it has committed.
template <class T>
struct WithGarbage {
  T value;
  std::vector<BlobId> garbage;
};

}  // namespace

ObjectStore::ObjectStore(fs::path data_dir, ObjectStoreOptions options)
    : data_dir_(std::move(data_dir)), options_(std::move(options)) {}

ObjectStore::~ObjectStore() {
  db_.reset();
  blobs_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Expected<std::unique_ptr<ObjectStore>, StoreError> ObjectStore::open(const fs::path& data_dir,
                                                                     ObjectStoreOptions options) {
  std::unique_ptr<ObjectStore> store(new ObjectStore(data_dir, std::move(options)));
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    return Unexpected(
        StoreError{StoreErrc::kInternalError, "cannot create the data directory: " + ec.message()});
  }
  store->lock_fd_ = ::open((data_dir / "LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (store->lock_fd_ < 0) {
    return Unexpected(
        StoreError{StoreErrc::kInternalError,
                   std::string("cannot open the data directory lock: ") + std::strerror(errno)});
  }
  if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Unexpected(
        StoreError{StoreErrc::kServiceUnavailable, "it is in use by another process"});
  }
  auto blobs = BlobStore::open(data_dir);
  if (!blobs) return Unexpected(blobs.error());
  store->blobs_ = std::move(*blobs);
  auto db = MetadataDb::open(data_dir / "metadata.db",
                             MetadataDb::Options{.sync_commits = store->options_.sync_commits});
  if (!db) return Unexpected(db.error());
  store->db_ = std::move(*db);
  // A new database beside existing blobs means the metadata was lost or moved
  // away: sweeping would delete every object's bytes. Refuse instead.
  if (store->db_->created_fresh()) {
    auto has_blobs = store->blobs_->has_blobs();
    if (!has_blobs) return Unexpected(has_blobs.error());
    if (*has_blobs) {
      return Unexpected(StoreError{
          StoreErrc::kInternalError,
          "the data directory holds object data but its metadata database is new; restore "
          "metadata.db (with its -wal file) or start from an empty directory"});
    }
  }
  auto report = store->sweep();
  if (!report) return Unexpected(report.error());
  store->recovery_ = *report;
  return store;
}

Expected<RecoveryReport, StoreError> ObjectStore::collect_garbage() {
  return sweep();
}

Expected<RecoveryReport, StoreError> ObjectStore::sweep() {
  auto swept = blobs_->remove_unreferenced([this](const BlobId& id) {
    return db_->read(
        [&](Txn& txn) -> Expected<bool, StoreError> { return txn.blob_referenced(id); });
  });
  if (!swept) return Unexpected(swept.error());
  return RecoveryReport{swept->temp_files_removed, swept->blobs_removed, swept->bytes_removed};
}

void ObjectStore::unlink_blobs(const std::vector<BlobId>& blobs) {
  for (const auto& blob : blobs) blobs_->remove(blob);
}

Expected<BlobWriter, StoreError> ObjectStore::begin_blob(ChecksumSet checksums,
                                                         std::uint64_t max_size) {
  return blobs_->create(checksums, max_size);
}

// ---- Buckets ----------------------------------------------------------------

Expected<BucketRecord, StoreError> ObjectStore::create_bucket(const CreateBucketRequest& request) {
  if (auto valid = validate_bucket_name(request.name); !valid) return Unexpected(valid.error());
  BucketRecord bucket{request.name, now_ms(), request.region.value_or(options_.default_region),
                      request.acl, std::nullopt};
  return db_->write([&](Txn& txn) -> Expected<BucketRecord, StoreError> {
    if (txn.find_bucket(bucket.name)) {
      return Unexpected(StoreError{StoreErrc::kBucketAlreadyOwnedByYou,
                                   "Your previous request to create the named bucket succeeded "
                                   "and you already own it."});
    }
    txn.insert_bucket(bucket);
    return bucket;
  });
}

Expected<void, StoreError> ObjectStore::delete_bucket(std::string_view name) {
  return db_->write([&](Txn& txn) -> Expected<void, StoreError> {
    if (!txn.find_bucket(name)) return Unexpected(no_such_bucket());
    if (txn.bucket_has_objects(name) || txn.bucket_has_uploads(name)) {
      return Unexpected(
          StoreError{StoreErrc::kBucketNotEmpty, "The bucket you tried to delete is not empty"});
    }
    txn.delete_bucket(name);
    return {};
  });
}

Expected<BucketRecord, StoreError> ObjectStore::head_bucket(std::string_view name) {
  return db_->read([&](Txn& txn) -> Expected<BucketRecord, StoreError> {
    auto bucket = txn.find_bucket(name);
    if (!bucket) return Unexpected(no_such_bucket());
    return std::move(*bucket);
  });
}

Expected<std::vector<BucketRecord>, StoreError> ObjectStore::list_buckets() {
  return db_->read([](Txn& txn) -> Expected<std::vector<BucketRecord>, StoreError> {
    return txn.list_buckets();
  });
}

Expected<void, StoreError> ObjectStore::put_bucket_cors(std::string_view name, std::string cors) {
  return db_->write([&](Txn& txn) -> Expected<void, StoreError> {
    if (!txn.find_bucket(name)) return Unexpected(no_such_bucket());
    txn.update_bucket_cors(name, cors);
    return {};
  });
}

Expected<std::string, StoreError> ObjectStore::get_bucket_cors(std::string_view name) {
  return db_->read([&](Txn& txn) -> Expected<std::string, StoreError> {
    auto bucket = txn.find_bucket(name);
    if (!bucket) return Unexpected(no_such_bucket());
    if (!bucket->cors) {
      return Unexpected(
          StoreError{StoreErrc::kNoSuchCORSConfiguration, "The CORS configuration does not exist"});
    }
    return std::move(*bucket->cors);
  });
}

Expected<void, StoreError> ObjectStore::delete_bucket_cors(std::string_view name) {
  return db_->write([&](Txn& txn) -> Expected<void, StoreError> {
    if (!txn.find_bucket(name)) return Unexpected(no_such_bucket());
    txn.update_bucket_cors(name, std::nullopt);
    return {};
  });
}

Expected<void, StoreError> ObjectStore::put_bucket_acl(std::string_view name,
                                                       std::string_view acl) {
  return db_->write([&](Txn& txn) -> Expected<void, StoreError> {
    if (!txn.find_bucket(name)) return Unexpected(no_such_bucket());
    txn.update_bucket_acl(name, acl);
    return {};
  });
}

// ---- Objects ----------------------------------------------------------------

Expected<PutObjectResult, StoreError> ObjectStore::put_object(const PutObjectRequest& request,
                                                              CommittedBlob blob) {
  if (!blob.valid()) {
    return Unexpected(StoreError{StoreErrc::kInternalError, "put_object without a committed blob"});
  }
  if (auto valid = validate_object_key(request.key); !valid) return Unexpected(valid.error());
  if (auto valid = detail::check_user_metadata(request.user_metadata); !valid) {
    return Unexpected(valid.error());
  }
  if (blob.size() > kMaxSinglePutSize) {
    return Unexpected(StoreError{StoreErrc::kEntityTooLarge,
                                 "Your proposed upload exceeds the maximum allowed size"});
  }
  ObjectRecord record;
  record.bucket = request.bucket;
  record.key = request.key;
  record.size = blob.size();
  record.etag = blob.digests().md5_hex();
  record.headers = request.headers;
  record.user_metadata = request.user_metadata;
  record.checksums = blob.digests().checksums;
  record.acl = request.acl;
  record.last_modified = now_ms();
  record.segments.push_back({blob.id(), blob.size()});

  auto written = db_->write([&](Txn& txn) -> Expected<WithGarbage<PutObjectResult>, StoreError> {
    if (!txn.find_bucket(request.bucket)) return Unexpected(no_such_bucket());
    auto dropped = detail::replace_existing(txn, request.bucket, request.key,
                                            request.if_none_match_star, request.if_match);
    if (!dropped) return Unexpected(dropped.error());
    txn.insert_object(record);
    return WithGarbage<PutObjectResult>{
        {record.etag, record.last_modified, record.generation, record.checksums},
        detail::unreferenced(txn, *dropped)};
  });
  if (!written) return Unexpected(written.error());  // `blob` is dropped and removed
  blob.release();
  unlink_blobs(written->garbage);
  publish_created(request.bucket, request.key, written->value.generation, "ObjectCreated:Put");
  return std::move(written->value);
}

Expected<ObjectRecord, StoreError> ObjectStore::head_object(std::string_view bucket,
                                                            std::string_view key) {
  return db_->read([&](Txn& txn) -> Expected<ObjectRecord, StoreError> {
    if (!txn.find_bucket(bucket)) return Unexpected(no_such_bucket());
    auto record = txn.find_object(bucket, key);
    if (!record) return Unexpected(no_such_key());
    return std::move(*record);
  });
}

Expected<OpenedObject, StoreError> ObjectStore::get_object(std::string_view bucket,
                                                           std::string_view key) {
  // The row is read before its blobs are pinned, so an overwrite may commit
  // and unlink them in between. Reading the row again after pinning settles
  // it: if it is unchanged, no commit has dropped the blobs yet and every
  // later unlink will wait for the pins; if it changed, start over with the
  // newer version, which is what a reader arriving now must see anyway.
  for (;;) {
    auto record = head_object(bucket, key);
    if (!record) return Unexpected(record.error());
    for (const auto& segment : record->segments) blobs_->pin(segment.blob);
    ObjectReader reader(*blobs_, record->segments);  // owns the pins from here
    auto current = db_->read([&](Txn& txn) -> Expected<std::int64_t, StoreError> {
      auto again = txn.find_object_generation(bucket, key);
      return again.value_or(-1);
    });
    if (!current) return Unexpected(current.error());
    if (*current == record->generation) {
      // Open the first segment now, so missing data is an error before any byte is sent.
      std::byte first;
      if (auto probe = reader.read_at(0, std::span(&first, 1)); !probe) {
        return Unexpected(probe.error());
      }
      return OpenedObject{std::move(*record), std::move(reader)};
    }
  }
}

Expected<void, StoreError> ObjectStore::delete_object(std::string_view bucket,
                                                      std::string_view key) {
  std::optional<std::int64_t> removed;
  auto garbage = db_->write([&](Txn& txn) -> Expected<std::vector<BlobId>, StoreError> {
    removed.reset();  // a retried transaction starts over
    if (!txn.find_bucket(bucket)) return Unexpected(no_such_bucket());
    auto existing = txn.find_object(bucket, key);
    if (!existing) return std::vector<BlobId>{};
    removed = existing->generation;
    txn.delete_object(existing->generation);
    std::vector<BlobId> dropped;
    for (auto& s : existing->segments) dropped.push_back(s.blob);
    return detail::unreferenced(txn, dropped);
  });
  if (!garbage) return Unexpected(garbage.error());
  unlink_blobs(*garbage);
  if (removed) publish_removed(bucket, key, *removed);
  return {};
}

Expected<DeleteObjectsResult, StoreError> ObjectStore::delete_objects(
    std::string_view bucket, const std::vector<std::string>& keys) {
  if (keys.size() > static_cast<std::size_t>(kMaxDeleteObjects)) {
    return Unexpected(StoreError{StoreErrc::kInvalidRequest,
                                 "A DeleteObjects request may name at most 1000 keys"});
  }
  std::vector<std::pair<std::string, std::int64_t>> removed;
  auto written =
      db_->write([&](Txn& txn) -> Expected<WithGarbage<DeleteObjectsResult>, StoreError> {
        if (!txn.find_bucket(bucket)) return Unexpected(no_such_bucket());
        WithGarbage<DeleteObjectsResult> out;
        std::vector<BlobId> dropped;
        removed.clear();
        for (const auto& key : keys) {
          if (auto valid = validate_object_key(key); !valid) {
            out.value.failed.push_back({key, valid.error()});
            continue;
          }
          if (auto existing = txn.find_object(bucket, key)) {
            removed.emplace_back(key, existing->generation);
            txn.delete_object(existing->generation);
            for (auto& s : existing->segments) dropped.push_back(s.blob);
          }
          out.value.deleted.push_back(key);
        }
        out.garbage = detail::unreferenced(txn, dropped);
        return out;
      });
  if (!written) return Unexpected(written.error());
  unlink_blobs(written->garbage);
  for (const auto& [key, generation] : removed) publish_removed(bucket, key, generation);
  return std::move(written->value);
}

Expected<PutObjectResult, StoreError> ObjectStore::copy_object(const CopyObjectRequest& request) {
  if (auto valid = validate_object_key(request.key); !valid) return Unexpected(valid.error());
  if (request.replace_metadata) {
    if (auto valid = detail::check_user_metadata(request.user_metadata); !valid) {
      return Unexpected(valid.error());
    }
  }
  auto written = db_->write([&](Txn& txn) -> Expected<WithGarbage<PutObjectResult>, StoreError> {
    if (!txn.find_bucket(request.source_bucket)) return Unexpected(no_such_bucket());
    auto source = txn.find_object(request.source_bucket, request.source_key);
    if (!source) return Unexpected(no_such_key());
    if (request.source_if_match && detail::strip_quotes(*request.source_if_match) != source->etag) {
      return Unexpected(
          StoreError{StoreErrc::kPreconditionFailed,
                     "At least one of the pre-conditions you specified did not hold"});
    }
    if (!txn.find_bucket(request.bucket)) return Unexpected(no_such_bucket());
    if (request.source_bucket == request.bucket && request.source_key == request.key &&
        !request.replace_metadata) {
      return Unexpected(StoreError{
          StoreErrc::kInvalidRequest,
          "This copy request is illegal because it is trying to copy an object to itself without "
          "changing the object's metadata, storage class, website redirect location or "
          "encryption attributes."});
    }
    auto dropped = detail::replace_existing(txn, request.bucket, request.key,
                                            request.if_none_match_star, request.if_match);
    if (!dropped) return Unexpected(dropped.error());
    ObjectRecord copy = std::move(*source);
    copy.bucket = request.bucket;
    copy.key = request.key;
    copy.acl = request.acl;
    copy.last_modified = now_ms();
    if (request.replace_metadata) {
      copy.headers = request.headers;
      copy.user_metadata = request.user_metadata;
    }
    txn.insert_object(copy);  // shares the source's blobs
    return WithGarbage<PutObjectResult>{
        {copy.etag, copy.last_modified, copy.generation, copy.checksums},
        detail::unreferenced(txn, *dropped)};
  });
  if (!written) return Unexpected(written.error());
  unlink_blobs(written->garbage);
  publish_created(request.bucket, request.key, written->value.generation, "ObjectCreated:Copy");
  return std::move(written->value);
}

void ObjectStore::publish_created(std::string_view bucket, std::string_view key,
                                  std::int64_t generation, std::string_view event_name) {
  if (!options_.on_change) return;
  auto current = head_object(bucket, key);
  // Gone or replaced already: the later change reports what the key holds.
  if (!current || current->generation != generation) return;
  ObjectChange change;
  change.kind = ObjectChange::Kind::kCreated;
  change.event_name = std::string(event_name);
  change.bucket = std::string(bucket);
  change.key = std::string(key);
  change.size = current->size;
  change.etag = current->etag;
  change.content_type = current->headers.content_type.value_or("");
  change.user_metadata = current->user_metadata;
  change.sequencer = change_sequencer(generation);
  change.time = std::chrono::system_clock::time_point(current->last_modified.time_since_epoch());
  options_.on_change(change);
}

void ObjectStore::publish_removed(std::string_view bucket, std::string_view key,
                                  std::int64_t generation, std::string_view event_name) {
  if (!options_.on_change) return;
  ObjectChange change;
  change.kind = ObjectChange::Kind::kRemoved;
  change.event_name = std::string(event_name);
  change.bucket = std::string(bucket);
  change.key = std::string(key);
  change.sequencer = change_sequencer(generation);
  change.time = std::chrono::system_clock::now();
  options_.on_change(change);
}

}  // namespace upgate::store
