// upgate::s3 XML responses: the bodies of S3's successful answers, built from
// plain structs.
//
// Promises:
//  - element names, nesting and order follow the S3 API reference's examples;
//    the root carries xmlns="http://s3.amazonaws.com/doc/2006-03-01/" where S3's does;
//  - timestamps are ISO 8601 with milliseconds ("2009-10-12T17:50:30.000Z");
//  - ETags are rendered quoted whether or not the struct holds the quotes;
//  - under EncodingType::Url, listings encode Key, Prefix, Delimiter, StartAfter,
//    Marker, NextMarker, KeyMarker, NextKeyMarker and CommonPrefixes/Prefix with
//    url_encode_key, and add <EncodingType>url</EncodingType>;
//  - every value is XML-escaped (see xml_writer.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/s3/cors.hpp"

namespace upgate::s3 {

using TimePoint = std::chrono::system_clock::time_point;

enum class EncodingType { None, Url };

// `etag` with surrounding double quotes added unless already there.
std::string quote_etag(std::string_view etag);

struct Owner {
  std::string id = {};
  std::string display_name = {};  // omitted when empty
};

// Full-object or composite checksums (base64 values); each rendered when set.
struct Checksums {
  std::optional<std::string> crc32 = {}, crc32c = {}, crc64nvme = {}, sha1 = {}, sha256 = {};
  std::optional<std::string> type = {};  // ChecksumType: FULL_OBJECT | COMPOSITE
};

struct BucketEntry {
  std::string name = {};
  TimePoint creation_date = {};
  std::string region = {};  // BucketRegion, omitted when empty
};

struct ListAllMyBucketsResult {
  Owner owner = {};
  std::vector<BucketEntry> buckets = {};
};

struct ObjectEntry {
  std::string key = {};
  TimePoint last_modified = {};
  std::string etag = {};
  std::uint64_t size = 0;
  std::string storage_class = "STANDARD";
  std::optional<Owner> owner = {};      // V1 always lists it; V2 only with fetch-owner
  std::string checksum_algorithm = {};  // ChecksumAlgorithm, omitted when empty
};

struct ListObjectsV2Result {
  std::string name = {};
  std::string prefix = {};
  std::string delimiter = {};  // omitted when empty
  int max_keys = 1000;
  bool is_truncated = false;
  std::optional<std::string> continuation_token = {};
  std::optional<std::string> next_continuation_token = {};
  std::optional<std::string> start_after = {};
  EncodingType encoding = EncodingType::None;
  std::vector<ObjectEntry> contents = {};
  std::vector<std::string> common_prefixes = {};
};

struct ListObjectsV1Result {
  std::string name = {};
  std::string prefix = {};
  std::string marker = {};
  std::optional<std::string> next_marker = {};
  std::string delimiter = {};  // omitted when empty
  int max_keys = 1000;
  bool is_truncated = false;
  EncodingType encoding = EncodingType::None;
  std::vector<ObjectEntry> contents = {};
  std::vector<std::string> common_prefixes = {};
};

struct InitiateMultipartUploadResult {
  std::string bucket = {};
  std::string key = {};
  std::string upload_id = {};
};

struct CompleteMultipartUploadResult {
  std::string location = {};
  std::string bucket = {};
  std::string key = {};
  std::string etag = {};
  Checksums checksums = {};
};

struct PartEntry {
  int part_number = 0;
  TimePoint last_modified = {};
  std::string etag = {};
  std::uint64_t size = 0;
  Checksums checksums = {};
};

struct ListPartsResult {
  std::string bucket = {};
  std::string key = {};
  std::string upload_id = {};
  Owner initiator = {};
  Owner owner = {};
  std::string storage_class = "STANDARD";
  int part_number_marker = 0;
  std::optional<int> next_part_number_marker = {};
  int max_parts = 1000;
  bool is_truncated = false;
  std::vector<PartEntry> parts = {};
};

struct UploadEntry {
  std::string key = {};
  std::string upload_id = {};
  Owner initiator = {};
  Owner owner = {};
  std::string storage_class = "STANDARD";
  TimePoint initiated = {};
};

struct ListMultipartUploadsResult {
  std::string bucket = {};
  std::string key_marker = {};
  std::string upload_id_marker = {};
  std::optional<std::string> next_key_marker = {};
  std::optional<std::string> next_upload_id_marker = {};
  std::string delimiter = {};  // omitted when empty
  std::string prefix = {};     // omitted when empty
  int max_uploads = 1000;
  bool is_truncated = false;
  EncodingType encoding = EncodingType::None;
  std::vector<UploadEntry> uploads = {};
  std::vector<std::string> common_prefixes = {};
};

struct CopyResult {
  std::string etag = {};
  TimePoint last_modified = {};
  Checksums checksums = {};
};

struct DeletedEntry {
  std::string key = {};
  std::string version_id = {};  // omitted when empty
};

struct DeleteErrorEntry {
  std::string key = {};
  std::string version_id = {};  // omitted when empty
  std::string code = {};
  std::string message = {};
};

struct DeleteResult {
  bool quiet = false;  // quiet: successful deletions are not listed
  std::vector<DeletedEntry> deleted = {};
  std::vector<DeleteErrorEntry> errors = {};
};

std::string render_list_buckets(const ListAllMyBucketsResult& result);
std::string render_list_objects_v2(const ListObjectsV2Result& result);
std::string render_list_objects_v1(const ListObjectsV1Result& result);
std::string render_initiate_multipart_upload(const InitiateMultipartUploadResult& result);
std::string render_complete_multipart_upload(const CompleteMultipartUploadResult& result);
std::string render_list_parts(const ListPartsResult& result);
std::string render_list_multipart_uploads(const ListMultipartUploadsResult& result);
std::string render_copy_object_result(const CopyResult& result);
std::string render_copy_part_result(const CopyResult& result);
std::string render_delete_result(const DeleteResult& result);
// us-east-1 (or empty) renders as an empty element, as S3 does for that region.
std::string render_location_constraint(std::string_view region);
std::string render_cors_configuration(const CorsConfiguration& config);
// GetBucketVersioning of a bucket that never had versioning: an empty configuration.
std::string render_versioning_configuration();
// GetBucketAcl / GetObjectAcl for a canned ACL ("private", "public-read",
// "public-read-write", "authenticated-read", ...): the owner's FULL_CONTROL plus the
// group grants the canned ACL implies (AllUsers READ/WRITE, AuthenticatedUsers READ).
std::string render_access_control_policy(const Owner& owner, std::string_view canned_acl);

// The body of a POST Object answered with success_action_status=201.
struct PostObjectResult {
  std::string location = {};
  std::string bucket = {};
  std::string key = {};
  std::string etag = {};
};
std::string render_post_object_result(const PostObjectResult& result);

}  // namespace upgate::s3
