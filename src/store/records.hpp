// The plain values the store keeps about buckets, objects, uploads and parts.
//
// Keys and names are raw bytes (validated UTF-8 for keys); ETags are stored and
// returned without the surrounding quotes; times are milliseconds since the
// Unix epoch (S3 lists with millisecond precision; Last-Modified headers
// truncate to seconds).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "blob_store.hpp"
#include "checksum.hpp"

namespace upgate::store {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;
Timestamp now_ms();

// x-amz-meta-* pairs in the order given; names as the HTTP layer normalised them.
using UserMetadata = std::vector<std::pair<std::string, std::string>>;
// S3 counts the bytes of every name and value.
std::size_t user_metadata_size(const UserMetadata& metadata);

// The standard headers S3 stores with an object and returns on GET/HEAD.
struct ObjectHeaders {
  std::optional<std::string> content_type{};
  std::optional<std::string> content_disposition{};
  std::optional<std::string> content_encoding{};
  std::optional<std::string> content_language{};
  std::optional<std::string> cache_control{};
  std::optional<std::string> expires{};
  friend bool operator==(const ObjectHeaders&, const ObjectHeaders&) = default;
};

struct BucketRecord {
  std::string name{};
  Timestamp created{};
  std::string region{};
  std::string acl{};                  // canned ACL, e.g. "private"
  std::optional<std::string> cors{};  // the CORS configuration as given (XML text); none if unset
};

// One blob of an object's bytes; an object is the concatenation of its segments.
struct Segment {
  BlobId blob{};
  std::uint64_t size = 0;
};

struct ObjectRecord {
  std::int64_t generation = 0;  // unique per write of any key; changes on every overwrite
  std::string bucket{};
  std::string key{};
  std::uint64_t size = 0;
  std::string etag{};   // hex MD5, or hex MD5-of-MD5s "-N" for multipart
  int parts_count = 0;  // N for a multipart object, 0 otherwise
  ObjectHeaders headers{};
  UserMetadata user_metadata{};
  Checksums checksums{};
  std::string acl{};
  Timestamp last_modified{};
  std::vector<Segment> segments{};
};

// What a listing shows of an object.
struct ObjectSummary {
  std::string key{};
  std::uint64_t size = 0;
  std::string etag{};
  Timestamp last_modified{};
  Checksums checksums{};  // only which algorithms are present matters to ListObjects
};

struct UploadRecord {
  std::string upload_id{};
  std::string bucket{};
  std::string key{};
  Timestamp initiated{};
  ObjectHeaders headers{};  // applied to the object at completion
  UserMetadata user_metadata{};
  std::string acl{};
  std::optional<ChecksumAlgorithm> checksum_algorithm{};
};

struct PartRecord {
  std::string upload_id{};
  int part_number = 0;
  BlobId blob{};
  std::uint64_t size = 0;
  std::string etag{};  // hex MD5 of the part
  Checksums checksums{};
  Timestamp last_modified{};
};

}  // namespace upgate::store
