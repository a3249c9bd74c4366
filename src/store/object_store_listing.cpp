// ListObjects (v1 and v2) and ListMultipartUploads with S3's semantics:
//  - entries are keys and common prefixes in byte (UTF-8 code point) order;
//  - with a delimiter, every key whose remainder after the prefix contains it
//    rolls up into the common prefix ending at its first occurrence, which is
//    listed once and counts toward max-keys like a key;
//  - an entry is listed only if it sorts after the marker / start-after /
//    continuation token, so a page that ended on a common prefix resumes after
//    everything under it (as S3 does; the s3-tests suite checks this);
//  - IsTruncated is true only when another entry really follows.
// A common prefix costs one index seek: the scan jumps to the first key past
// it instead of walking the keys underneath.
#include <algorithm>

#include "object_store.hpp"
#include "object_store_internal.hpp"

namespace upgate::store {
using detail::key_after;
using detail::prefix_successor;
using Txn = MetadataDb::Txn;

namespace {

Expected<int, StoreError> clamp_max(int requested, std::string_view what) {
  if (requested < 0) {
    return Unexpected(StoreError{StoreErrc::kInvalidArgument,
                                 std::string(what) + " must be a non-negative integer"});
  }
  return std::min(requested, kMaxListKeys);
}

// The common prefix `key` rolls up into, or empty when it is listed as itself.
std::string_view rolled_up_prefix(std::string_view key, std::string_view prefix,
                                  std::string_view delimiter) {
  if (delimiter.empty()) return {};
  auto at = key.find(delimiter, prefix.size());
  if (at == std::string_view::npos) return {};
  return key.substr(0, at + delimiter.size());
}

}  // namespace

Expected<ListObjectsResult, StoreError> ObjectStore::list_objects(
    const ListObjectsRequest& request) {
  auto max_keys = clamp_max(request.max_keys, "max-keys");
  if (!max_keys) return Unexpected(max_keys.error());
  std::string marker = request.start_after;
  if (request.continuation_token) {
    auto decoded = detail::decode_continuation_token(*request.continuation_token);
    if (!decoded) {
      return Unexpected(
          StoreError{StoreErrc::kInvalidArgument, "The continuation token provided is incorrect"});
    }
    marker = std::move(*decoded);
  }

  return db_->read([&](Txn& txn) -> Expected<ListObjectsResult, StoreError> {
    if (!txn.find_bucket(request.bucket)) return Unexpected(detail::no_such_bucket());
    ListObjectsResult result;
    const std::string& prefix = request.prefix;
    const std::string& delimiter = request.delimiter;
    std::string last_entry;
    KeyRange range{std::max(prefix, marker.empty() ? std::string() : key_after(marker)),
                   prefix_successor(prefix)};
    bool done = *max_keys == 0;  // S3 answers max-keys=0 with an empty, untruncated page
    while (!done) {
      if (range.to && range.from >= *range.to) break;
      bool jumped = false;
      txn.for_each_object(request.bucket, range, [&](ObjectSummary&& row) {
        auto common = rolled_up_prefix(row.key, prefix, delimiter);
        if (!common.empty()) {
          // A common prefix at or before the marker was listed on an earlier page.
          if (std::string_view(marker) < common) {
            if (result.key_count() == *max_keys) {
              result.is_truncated = true;
              done = true;
              return false;
            }
            result.common_prefixes.emplace_back(common);
            last_entry = common;
          }
          // Seek past every key under it rather than reading them.
          auto next = prefix_successor(common);
          if (next) {
            range.from = std::move(*next);
            jumped = true;
          }
          return false;
        }
        if (result.key_count() == *max_keys) {
          result.is_truncated = true;
          done = true;
          return false;
        }
        last_entry = row.key;
        result.contents.push_back(std::move(row));
        return true;
      });
      if (!jumped) done = true;
    }
    if (result.is_truncated) {
      result.next_marker = last_entry;
      result.next_continuation_token = detail::encode_continuation_token(last_entry);
    }
    return result;
  });
}

Expected<ListUploadsResult, StoreError> ObjectStore::list_multipart_uploads(
    const ListUploadsRequest& request) {
  auto max_uploads = clamp_max(request.max_uploads, "max-uploads");
  if (!max_uploads) return Unexpected(max_uploads.error());

  return db_->read([&](Txn& txn) -> Expected<ListUploadsResult, StoreError> {
    if (!txn.find_bucket(request.bucket)) return Unexpected(detail::no_such_bucket());
    ListUploadsResult result;
    const std::string& prefix = request.prefix;
    const std::string& marker = request.key_marker;
    // Scan position: uploads with (key, upload_id) > (after_key, after_id). Upload
    // ids are never empty, so (k, "") means "from key k inclusive".
    std::string after_key = prefix;
    std::string after_id;
    if (!marker.empty()) {
      if (request.upload_id_marker.empty()) {
        after_key = key_after(marker), after_id.clear();
      } else {
        after_key = marker, after_id = request.upload_id_marker;
      }
      if (after_key < prefix) after_key = prefix, after_id.clear();
    }
    auto range_end = prefix_successor(prefix);
    int count = 0;
    bool done = *max_uploads == 0;
    while (!done) {
      if (range_end && after_key >= *range_end) break;
      bool jumped = false;
      txn.for_each_upload(request.bucket, after_key, after_id, range_end, [&](UploadRecord&& row) {
        auto common = rolled_up_prefix(row.key, prefix, request.delimiter);
        if (!common.empty()) {
          if (std::string_view(marker) < common) {
            if (count == *max_uploads) {
              result.is_truncated = true;
              done = true;
              return false;
            }
            result.common_prefixes.emplace_back(common);
            result.next_key_marker = common;
            result.next_upload_id_marker.clear();
            ++count;
          }
          auto next = prefix_successor(common);
          if (next) {
            after_key = std::move(*next), after_id.clear();
            jumped = true;
          }
          return false;
        }
        if (count == *max_uploads) {
          result.is_truncated = true;
          done = true;
          return false;
        }
        result.next_key_marker = row.key;
        result.next_upload_id_marker = row.upload_id;
        result.uploads.push_back(std::move(row));
        ++count;
        return true;
      });
      if (!jumped) done = true;
    }
    if (!result.is_truncated) {
      result.next_key_marker.clear();
      result.next_upload_id_marker.clear();
    }
    return result;
  });
}

}  // namespace upgate::store
