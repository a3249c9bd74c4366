// Helpers shared by the ObjectStore's source files; not part of the API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metadata_db.hpp"
#include "records.hpp"
#include "store_error.hpp"
#include "upgate/expected.hpp"

namespace upgate::store::detail {

// The smallest string greater than every string that starts with `prefix`
// (byte order), or nothing when no such string exists (empty or all 0xFF).
std::optional<std::string> prefix_successor(std::string_view prefix);
// The smallest string greater than `s`.
inline std::string key_after(std::string_view s) {
  return std::string(s) + '\0';
}

std::string encode_continuation_token(std::string_view last_entry);
std::optional<std::string> decode_continuation_token(std::string_view token);

// ETags arrive quoted from clients ("\"abc\"") and are stored bare.
std::string_view strip_quotes(std::string_view etag);

// A fresh multipart upload id: time-ordered, so ids of one key sort by initiation.
std::string make_upload_id();

StoreError no_such_bucket();
StoreError no_such_key();
StoreError no_such_upload();
Expected<void, StoreError> check_user_metadata(const UserMetadata& metadata);

// Makes room for a new version of bucket/key inside a write transaction: deletes the
// object stored there now and returns the blobs it held (candidates for unlinking once
// the transaction commits). If-None-Match: * (if_none_match_star) refuses instead,
// with PreconditionFailed, when there is one; If-Match (an ETag list) refuses with
// NoSuchKey when there is none and PreconditionFailed when its ETag is not listed.
// PutObject, CopyObject and CompleteMultipartUpload all replace through here.
Expected<std::vector<BlobId>, StoreError> replace_existing(
    MetadataDb::Txn& txn, std::string_view bucket, std::string_view key, bool if_none_match_star,
    const std::optional<std::string>& if_match = std::nullopt);

// Of `candidates`, the blobs no row references any more (call inside the
// transaction that dropped the references; unlink them after it commits).
std::vector<BlobId> unreferenced(MetadataDb::Txn& txn, const std::vector<BlobId>& candidates);

}  // namespace upgate::store::detail
