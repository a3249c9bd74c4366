// Multipart uploads. Parts are blobs committed like any PUT body; completion
// turns the chosen parts' blobs, in order, into the object's segments in one
// transaction (no bytes are copied), so the object appears whole or not at all.
#include <map>

#include "encoding.hpp"
#include "names.hpp"
#include "object_store.hpp"
#include "object_store_internal.hpp"
#include "streaming_digester.hpp"
#include "upgate/sigv4/crypto.hpp"

namespace upgate::store {
using detail::no_such_bucket;
using detail::no_such_upload;
using Txn = MetadataDb::Txn;

namespace {

// The upload must exist and belong to this bucket and key.
Expected<UploadRecord, StoreError> find_upload(Txn& txn, std::string_view bucket,
                                               std::string_view key, std::string_view upload_id) {
  if (!txn.find_bucket(bucket)) return Unexpected(no_such_bucket());
  auto upload = txn.find_upload(upload_id);
  if (!upload || upload->bucket != bucket || upload->key != key) {
    return Unexpected(no_such_upload());
  }
  return std::move(*upload);
}

std::vector<PartRecord> all_parts(Txn& txn, std::string_view upload_id) {
  return txn.list_parts(upload_id, 0, kMaxPartNumber);
}

// S3's multipart ETag: hex(md5(md5(part 1) || ... || md5(part N))) + "-N".
std::optional<std::string> multipart_etag(const std::vector<const PartRecord*>& parts) {
  StreamingDigester digester;
  for (const auto* part : parts) {
    auto raw = detail::hex_decode(part->etag);
    if (!raw) return std::nullopt;
    digester.update(std::as_bytes(std::span(*raw)));
  }
  return digester.finish().md5_hex() + "-" + std::to_string(parts.size());
}

// What identifies the part list a CompleteMultipartUpload names: MD5 over each
// "number:etag" (ETag without quotes), in order.
std::string parts_digest(const std::vector<CompletedPart>& parts) {
  StreamingDigester digester;
  for (const auto& p : parts) {
    const std::string line =
        std::to_string(p.part_number) + ":" + std::string(detail::strip_quotes(p.etag)) + "\n";
    digester.update(std::as_bytes(std::span(line)));
  }
  return digester.finish().md5_hex();
}

// A CompleteMultipartUpload of an upload that is already complete: the same answer
// again when it names the same parts and the object it became is still there (a
// client retrying after a lost answer), else nothing (NoSuchUpload).
std::optional<PutObjectResult> completed_before(MetadataDb::Txn& txn, std::string_view bucket,
                                                std::string_view key, std::string_view upload_id,
                                                const std::vector<CompletedPart>& parts) {
  const auto completed = txn.find_completed_upload(upload_id);
  if (!completed || completed->parts_digest != parts_digest(parts)) return std::nullopt;
  auto object = txn.find_object(bucket, key);
  if (!object || object->generation != completed->generation) return std::nullopt;
  return PutObjectResult{object->etag, object->last_modified, object->generation,
                         object->checksums};
}

// The checksum of the parts' checksums, "-N", when every part has one.
std::optional<std::string> composite_checksum(ChecksumAlgorithm algorithm,
                                              const std::vector<const PartRecord*>& parts) {
  StreamingDigester digester(ChecksumSet().with(algorithm));
  for (const auto* part : parts) {
    const auto& value = part->checksums.get(algorithm);
    if (!value) return std::nullopt;
    std::string raw;
    if (!sigv4::base64_decode(*value, raw)) return std::nullopt;
    digester.update(std::as_bytes(std::span(raw)));
  }
  return *digester.finish().checksums.get(algorithm) + "-" + std::to_string(parts.size());
}

}  // namespace

Expected<UploadRecord, StoreError> ObjectStore::create_multipart_upload(
    const CreateMultipartUploadRequest& request) {
  if (auto valid = validate_object_key(request.key); !valid) return Unexpected(valid.error());
  if (auto valid = detail::check_user_metadata(request.user_metadata); !valid) {
    return Unexpected(valid.error());
  }
  UploadRecord upload{
      detail::make_upload_id(), request.bucket,        request.key, now_ms(),
      request.headers,          request.user_metadata, request.acl, request.checksum_algorithm};
  return db_->write([&](Txn& txn) -> Expected<UploadRecord, StoreError> {
    if (!txn.find_bucket(request.bucket)) return Unexpected(no_such_bucket());
    txn.insert_upload(upload);
    return upload;
  });
}

Expected<UploadRecord, StoreError> ObjectStore::find_multipart_upload(std::string_view bucket,
                                                                      std::string_view key,
                                                                      std::string_view upload_id) {
  return db_->read([&](Txn& txn) { return find_upload(txn, bucket, key, upload_id); });
}

Expected<UploadPartResult, StoreError> ObjectStore::upload_part(std::string_view bucket,
                                                                std::string_view key,
                                                                std::string_view upload_id,
                                                                int part_number,
                                                                CommittedBlob blob) {
  if (!blob.valid()) {
    return Unexpected(
        StoreError{StoreErrc::kInternalError, "upload_part without a committed blob"});
  }
  if (part_number < kMinPartNumber || part_number > kMaxPartNumber) {
    return Unexpected(StoreError{StoreErrc::kInvalidArgument,
                                 "Part number must be an integer between 1 and 10000, inclusive"});
  }
  if (blob.size() > kMaxPartSize) {
    return Unexpected(StoreError{StoreErrc::kEntityTooLarge,
                                 "Your proposed upload exceeds the maximum allowed size"});
  }
  PartRecord part;
  part.upload_id = upload_id;
  part.part_number = part_number;
  part.blob = blob.id();
  part.size = blob.size();
  part.etag = blob.digests().md5_hex();
  part.checksums = blob.digests().checksums;
  part.last_modified = now_ms();
  auto garbage = db_->write([&](Txn& txn) -> Expected<std::vector<BlobId>, StoreError> {
    auto upload = find_upload(txn, bucket, key, upload_id);
    if (!upload) return Unexpected(upload.error());
    std::vector<BlobId> dropped;
    if (auto replaced = txn.upsert_part(part)) dropped.push_back(*replaced);
    return detail::unreferenced(txn, dropped);
  });
  if (!garbage) return Unexpected(garbage.error());
  blob.release();
  unlink_blobs(*garbage);
  return UploadPartResult{part.etag, part.checksums};
}

Expected<ListPartsResult, StoreError> ObjectStore::list_parts(std::string_view bucket,
                                                              std::string_view key,
                                                              std::string_view upload_id,
                                                              int part_number_marker,
                                                              int max_parts) {
  if (max_parts < 0 || part_number_marker < 0) {
    return Unexpected(StoreError{StoreErrc::kInvalidArgument,
                                 "max-parts and part-number-marker must be non-negative integers"});
  }
  max_parts = std::min(max_parts, kMaxListKeys);
  return db_->read([&](Txn& txn) -> Expected<ListPartsResult, StoreError> {
    auto upload = find_upload(txn, bucket, key, upload_id);
    if (!upload) return Unexpected(upload.error());
    ListPartsResult result;
    result.upload = std::move(*upload);
    result.parts = txn.list_parts(upload_id, part_number_marker, max_parts + 1);
    if (static_cast<int>(result.parts.size()) > max_parts) {
      result.parts.resize(static_cast<std::size_t>(max_parts));
      result.is_truncated = true;
    }
    if (!result.parts.empty()) result.next_part_number_marker = result.parts.back().part_number;
    return result;
  });
}

Expected<void, StoreError> ObjectStore::abort_multipart_upload(std::string_view bucket,
                                                               std::string_view key,
                                                               std::string_view upload_id) {
  auto garbage = db_->write([&](Txn& txn) -> Expected<std::vector<BlobId>, StoreError> {
    auto upload = find_upload(txn, bucket, key, upload_id);
    if (!upload) return Unexpected(upload.error());
    std::vector<BlobId> dropped;
    for (const auto& part : all_parts(txn, upload_id)) dropped.push_back(part.blob);
    txn.delete_upload(upload_id);
    return detail::unreferenced(txn, dropped);
  });
  if (!garbage) return Unexpected(garbage.error());
  unlink_blobs(*garbage);
  return {};
}

Expected<PutObjectResult, StoreError> ObjectStore::complete_multipart_upload(
    std::string_view bucket, std::string_view key, std::string_view upload_id,
    const std::vector<CompletedPart>& parts, bool if_none_match_star) {
  if (parts.empty()) {
    return Unexpected(StoreError{StoreErrc::kInvalidRequest, "You must specify at least one part"});
  }
  if (parts.size() > static_cast<std::size_t>(kMaxPartNumber)) {
    return Unexpected(StoreError{StoreErrc::kInvalidRequest, "Too many parts"});
  }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].part_number <= parts[i - 1].part_number) {
      return Unexpected(StoreError{StoreErrc::kInvalidPartOrder,
                                   "The list of parts was not in ascending order. The parts list "
                                   "must be specified in order by part number."});
    }
  }
  bool answered_before = false;  // a retried complete: its change was reported the first time
  auto written = db_->write(
      [&](Txn& txn) -> Expected<std::pair<PutObjectResult, std::vector<BlobId>>, StoreError> {
        answered_before = false;
        auto upload = find_upload(txn, bucket, key, upload_id);
        if (!upload) {
          if (upload.error().code == StoreErrc::kNoSuchUpload) {
            if (auto again = completed_before(txn, bucket, key, upload_id, parts)) {
              answered_before = true;
              return std::pair{std::move(*again), std::vector<BlobId>{}};
            }
          }
          return Unexpected(upload.error());
        }
        auto stored = all_parts(txn, upload_id);
        std::map<int, const PartRecord*> by_number;
        for (const auto& p : stored) by_number[p.part_number] = &p;

        std::vector<const PartRecord*> chosen;
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < parts.size(); ++i) {
          auto it = by_number.find(parts[i].part_number);
          if (it == by_number.end() || detail::strip_quotes(parts[i].etag) != it->second->etag) {
            return Unexpected(StoreError{
                StoreErrc::kInvalidPart,
                "One or more of the specified parts could not be found. The part may not have been "
                "uploaded, or the specified entity tag may not match the part's entity tag."});
          }
          const PartRecord* part = it->second;
          if (i + 1 < parts.size() && part->size < kMinPartSize) {
            return Unexpected(StoreError{StoreErrc::kEntityTooSmall,
                                         "Your proposed upload is smaller than the minimum allowed "
                                         "size (part " +
                                             std::to_string(part->part_number) + ")"});
          }
          total += part->size;
          chosen.push_back(part);
        }
        if (total > kMaxObjectSize) {
          return Unexpected(
              StoreError{StoreErrc::kEntityTooLarge,
                         "Your proposed upload exceeds the maximum allowed object size"});
        }
        auto etag = multipart_etag(chosen);
        if (!etag) return Unexpected(StoreError{StoreErrc::kInternalError, "corrupt part ETag"});

        auto replaced = detail::replace_existing(txn, bucket, key, if_none_match_star);
        if (!replaced) return Unexpected(replaced.error());
        std::vector<BlobId> dropped = std::move(*replaced);
        ObjectRecord record;
        record.bucket = bucket;
        record.key = key;
        record.size = total;
        record.etag = *etag;
        record.parts_count = static_cast<int>(chosen.size());
        record.headers = upload->headers;
        record.user_metadata = upload->user_metadata;
        record.acl = upload->acl;
        record.last_modified = now_ms();
        if (upload->checksum_algorithm) {
          if (auto c = composite_checksum(*upload->checksum_algorithm, chosen)) {
            record.checksums.set(*upload->checksum_algorithm, std::move(*c));
          }
        }
        for (const auto* part : chosen) record.segments.push_back({part->blob, part->size});
        // Parts left out of the list are dropped with the upload.
        for (const auto& p : stored) dropped.push_back(p.blob);
        txn.delete_upload(upload_id);
        txn.insert_object(record);
        txn.insert_completed_upload(upload_id, {record.generation, parts_digest(parts)});
        return std::pair{
            PutObjectResult{record.etag, record.last_modified, record.generation, record.checksums},
            detail::unreferenced(txn, dropped)};
      });
  if (!written) return Unexpected(written.error());
  unlink_blobs(written->second);
  if (!answered_before) {
    publish_created(bucket, key, written->first.generation,
                    "ObjectCreated:CompleteMultipartUpload");
  }
  return std::move(written->first);
}

}  // namespace upgate::store
