// The embedded S3 store's engine: buckets, objects, listings and multipart
// uploads over a BlobStore (bytes) and a MetadataDb (everything else). No HTTP,
// no XML, no authentication: the store's HTTP layer calls it from worker
// threads and maps StoreError codes to S3's error documents.
//
// Data directory layout: <data>/metadata.db (+ -wal, -shm), <data>/blobs/,
// <data>/tmp/, and <data>/LOCK, held with flock for as long as the store is
// open so that a second process cannot share (and garbage-collect) the data.
//
// Promises:
//  - An object is visible only once its bytes are durable: the blob is fsynced
//    and renamed by BlobWriter::commit() before put_object commits its row.
//  - A crash at any moment leaves every key either at its old value or its new
//    one, never half-written; open() removes the temp files and unreferenced
//    blobs it left (see recovery_report()).
//  - Overwrites and deletes unlink the old blobs only after the commit that
//    dropped the last reference; a get_object() opened before keeps reading the
//    old bytes to the end.
//  - Conditional writes (If-None-Match: *) are decided in the same transaction
//    as the write, so of two racing creators exactly one succeeds.
//  - CopyObject shares the source's blobs (no bytes are copied); a blob is
//    unlinked when no object or part references it any more.
//  - A multipart object is stored as its parts' blobs in order, never copied.
// Thread-safe; every call is synchronous and may block on disk.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "blob_store.hpp"
#include "limits.hpp"
#include "metadata_db.hpp"
#include "object_reader.hpp"
#include "records.hpp"
#include "store_error.hpp"
#include "upgate/expected.hpp"
#include "upgate/s3/lifecycle.hpp"
#include "upgate/store/object_change.hpp"
#include "upgate/store/recovery_report.hpp"

namespace upgate::store {

struct ObjectStoreOptions {
  std::string default_region = "us-east-1";
  // See MetadataDb: false trades power-loss durability of the last commits for speed.
  bool sync_commits = true;
  // Told of every object created or removed, after its commit (object_change.hpp).
  ObjectChangeListener on_change{};
};

struct CreateBucketRequest {
  std::string name{};
  std::optional<std::string> region{};  // default_region when absent
  std::string acl = "private";
};

struct PutObjectRequest {
  std::string bucket{};
  std::string key{};
  ObjectHeaders headers{};
  UserMetadata user_metadata{};
  std::string acl = "private";
  bool if_none_match_star = false;  // If-None-Match: * → PreconditionFailed when the key exists
  // If-Match: <ETag list> → NoSuchKey when the key is absent, PreconditionFailed when the
  // stored object's ETag is not in the list; decided in the write's transaction.
  std::optional<std::string> if_match{};
};

struct PutObjectResult {
  std::string etag{};  // without quotes
  Timestamp last_modified{};
  std::int64_t generation = 0;
  Checksums checksums{};
};

struct OpenedObject {
  ObjectRecord record{};
  ObjectReader reader{};
};

struct DeleteObjectsResult {
  struct Failure {
    std::string key{};
    StoreError error{};
  };
  std::vector<std::string> deleted{};  // includes keys that did not exist, as S3 reports them
  std::vector<Failure> failed{};
};

struct CopyObjectRequest {
  std::string source_bucket{};
  std::string source_key{};
  std::optional<std::string> source_if_match{};  // ETag the source must have (quotes optional)
  std::string bucket{};
  std::string key{};
  // x-amz-metadata-directive: REPLACE takes these; COPY keeps the source's.
  bool replace_metadata = false;
  ObjectHeaders headers{};
  UserMetadata user_metadata{};
  std::string acl = "private";
  bool if_none_match_star = false;
  std::optional<std::string> if_match{};  // as PutObjectRequest::if_match
};

// ListObjectsV2 and ListObjects (v1) in one request shape.
//  v2: start_after = StartAfter, continuation_token = ContinuationToken.
//  v1: start_after = Marker, no continuation_token.
struct ListObjectsRequest {
  std::string bucket{};
  std::string prefix{};
  std::string delimiter{};
  int max_keys = kMaxListKeys;  // 0..; values above 1000 are treated as 1000
  std::string start_after{};
  std::optional<std::string> continuation_token{};  // wins over start_after
};

struct ListObjectsResult {
  std::vector<ObjectSummary> contents{};
  std::vector<std::string> common_prefixes{};
  bool is_truncated = false;
  // When truncated: the last key or common prefix returned (v1 NextMarker;
  // S3 sends it only when a delimiter was given) and the v2 token for the rest.
  std::string next_marker{};
  std::string next_continuation_token{};
  int key_count() const { return static_cast<int>(contents.size() + common_prefixes.size()); }
};

struct CreateMultipartUploadRequest {
  std::string bucket{};
  std::string key{};
  ObjectHeaders headers{};
  UserMetadata user_metadata{};
  std::string acl = "private";
  std::optional<ChecksumAlgorithm> checksum_algorithm{};  // x-amz-checksum-algorithm
};

struct UploadPartResult {
  std::string etag{};  // hex MD5 of the part, without quotes
  Checksums checksums{};
};

struct ListPartsResult {
  UploadRecord upload{};
  std::vector<PartRecord> parts{};
  bool is_truncated = false;
  int next_part_number_marker = 0;
};

struct ListUploadsRequest {
  std::string bucket{};
  std::string prefix{};
  std::string delimiter{};
  std::string key_marker{};
  std::string upload_id_marker{};  // only with key_marker, as S3
  int max_uploads = kMaxListKeys;
};

struct ListUploadsResult {
  std::vector<UploadRecord> uploads{};
  std::vector<std::string> common_prefixes{};
  bool is_truncated = false;
  std::string next_key_marker{};
  std::string next_upload_id_marker{};
};

// What one lifecycle pass did (apply_lifecycle).
struct LifecycleSweepReport {
  std::size_t buckets = 0;          // buckets with a configuration
  std::size_t uploads_aborted = 0;  // AbortIncompleteMultipartUpload
  std::size_t objects_expired = 0;  // Expiration
  std::size_t blobs_removed = 0;    // part and object blobs unlinked after the commits
  std::size_t unreadable = 0;       // stored configurations that no longer parse (skipped)
};

struct CompletedPart {
  int part_number = 0;
  std::string etag{};  // quotes optional
};

class ObjectStore {
 public:
  // Creates the data directory if needed, takes its lock (ServiceUnavailable
  // when another process holds it), migrates the database and removes what a
  // crash left behind, all before returning.
  static Expected<std::unique_ptr<ObjectStore>, StoreError> open(
      const std::filesystem::path& data_dir, ObjectStoreOptions options = {});
  ~ObjectStore();

  const RecoveryReport& recovery_report() const { return recovery_; }
  // The same sweep open() runs, safe at any time (see BlobStore::remove_unreferenced).
  Expected<RecoveryReport, StoreError> collect_garbage();

  // ---- Bytes. Stream a body into a writer, commit it, then hand it to
  // put_object or upload_part. Request the checksums the client sent (to
  // verify) or asked for; put_object stores exactly those.
  Expected<BlobWriter, StoreError> begin_blob(ChecksumSet checksums = {},
                                              std::uint64_t max_size = kMaxSinglePutSize);

  // ---- Buckets.
  Expected<BucketRecord, StoreError> create_bucket(const CreateBucketRequest& request);
  Expected<void, StoreError> delete_bucket(std::string_view name);
  Expected<BucketRecord, StoreError> head_bucket(std::string_view name);
  Expected<std::vector<BucketRecord>, StoreError> list_buckets();
  Expected<void, StoreError> put_bucket_cors(std::string_view name, std::string cors);
  Expected<std::string, StoreError> get_bucket_cors(std::string_view name);
  Expected<void, StoreError> delete_bucket_cors(std::string_view name);
  Expected<void, StoreError> put_bucket_acl(std::string_view name, std::string_view acl);
  // Lifecycle (object_store_lifecycle.cpp). put assigns an ID to every rule without one, as
  // S3 does; get answers NoSuchLifecycleConfiguration when the bucket has none.
  Expected<void, StoreError> put_bucket_lifecycle(std::string_view name,
                                                  s3::LifecycleConfiguration config);
  // The same, unless the bucket has a configuration already (which is then left as it is):
  // true when `config` was set. One transaction, so it never replaces one put meanwhile.
  Expected<bool, StoreError> put_bucket_lifecycle_unless_set(std::string_view name,
                                                             s3::LifecycleConfiguration config);
  Expected<s3::LifecycleConfiguration, StoreError> get_bucket_lifecycle(std::string_view name);
  Expected<void, StoreError> delete_bucket_lifecycle(std::string_view name);
  // The rule of the upload's bucket that aborts it, and when (S3's x-amz-abort-date and
  // x-amz-abort-rule-id); nothing when the bucket has no configuration or no enabled abort
  // rule matches the key.
  Expected<std::optional<s3::LifecycleAbort>, StoreError> upload_abort_rule(
      const UploadRecord& upload, s3::LifecycleDay day);
  // One lifecycle pass at `now`: aborts the incomplete multipart uploads and deletes the
  // objects whose rule is due (s3/lifecycle.hpp), in batches, each batch one transaction
  // that re-checks what it removes (an object overwritten since the scan is younger and
  // stays). Blobs are unlinked after each commit; a crash in between leaves only
  // unreferenced blobs, which open() (and collect_garbage()) remove. Blocks on disk:
  // call it from a background thread (LifecycleSweeper). A stop request ends the pass
  // between two batches.
  Expected<LifecycleSweepReport, StoreError> apply_lifecycle(Timestamp now, s3::LifecycleDay day,
                                                             std::stop_token stop = {});

  // ---- Objects.
  Expected<PutObjectResult, StoreError> put_object(const PutObjectRequest& request,
                                                   CommittedBlob blob);
  Expected<ObjectRecord, StoreError> head_object(std::string_view bucket, std::string_view key);
  Expected<OpenedObject, StoreError> get_object(std::string_view bucket, std::string_view key);
  // Deleting a missing key succeeds, as in S3; a missing bucket is NoSuchBucket.
  Expected<void, StoreError> delete_object(std::string_view bucket, std::string_view key);
  Expected<DeleteObjectsResult, StoreError> delete_objects(std::string_view bucket,
                                                           const std::vector<std::string>& keys);
  Expected<PutObjectResult, StoreError> copy_object(const CopyObjectRequest& request);
  Expected<ListObjectsResult, StoreError> list_objects(const ListObjectsRequest& request);

  // ---- Multipart uploads.
  Expected<UploadRecord, StoreError> create_multipart_upload(
      const CreateMultipartUploadRequest& request);
  // The upload, if it exists for this bucket and key: check it (and its
  // checksum_algorithm) before streaming a part's body.
  Expected<UploadRecord, StoreError> find_multipart_upload(std::string_view bucket,
                                                           std::string_view key,
                                                           std::string_view upload_id);
  Expected<UploadPartResult, StoreError> upload_part(std::string_view bucket, std::string_view key,
                                                     std::string_view upload_id, int part_number,
                                                     CommittedBlob blob);
  Expected<ListPartsResult, StoreError> list_parts(std::string_view bucket, std::string_view key,
                                                   std::string_view upload_id,
                                                   int part_number_marker = 0,
                                                   int max_parts = kMaxListKeys);
  Expected<ListUploadsResult, StoreError> list_multipart_uploads(const ListUploadsRequest& request);
  Expected<void, StoreError> abort_multipart_upload(std::string_view bucket, std::string_view key,
                                                    std::string_view upload_id);
  Expected<PutObjectResult, StoreError> complete_multipart_upload(
      std::string_view bucket, std::string_view key, std::string_view upload_id,
      const std::vector<CompletedPart>& parts, bool if_none_match_star = false);

  // The engine's parts, for tests and tools.
  BlobStore& blobs() { return *blobs_; }
  MetadataDb& metadata() { return *db_; }

 private:
  ObjectStore(std::filesystem::path data_dir, ObjectStoreOptions options);
  // Unlinks blobs that the just-committed transaction left unreferenced.
  void unlink_blobs(const std::vector<BlobId>& blobs);
  // After a committed create: tells the listener what bucket/key holds now, if it is still
  // the version `generation` wrote (a later write reports itself).
  void publish_created(std::string_view bucket, std::string_view key, std::int64_t generation,
                       std::string_view event_name);
  // `event_name`: ObjectRemoved:Delete, or LifecycleExpiration:Delete for a lifecycle rule's.
  void publish_removed(std::string_view bucket, std::string_view key, std::int64_t generation,
                       std::string_view event_name = "ObjectRemoved:Delete");
  Expected<RecoveryReport, StoreError> sweep();

  std::filesystem::path data_dir_;
  ObjectStoreOptions options_;
  int lock_fd_ = -1;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<MetadataDb> db_;
  RecoveryReport recovery_;
};

}  // namespace upgate::store
