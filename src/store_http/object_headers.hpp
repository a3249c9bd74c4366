// Internal: the headers S3 keeps with an object and gives back.
//
// From a request: Content-Type, Content-Disposition, Content-Encoding (minus
// aws-chunked, which is framing, not content), Content-Language,
// Cache-Control, Expires, x-amz-meta-* (names lower-cased, repeated headers
// joined with ','), the canned ACL and the storage class.
// To a response: the same, plus ETag, Last-Modified, Content-Length,
// Accept-Ranges and, when asked (x-amz-checksum-mode: ENABLED), the stored
// checksums.
#pragma once

#include <string>
#include <string_view>

#include "s3_request.hpp"
#include "store/records.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/response.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/s3/xml_responses.hpp"

namespace upgate::store {

// x-amz-acl: one of S3's canned ACLs ("private" when absent). InvalidArgument otherwise.
Expected<std::string, s3::S3Error> canned_acl(const S3Request& r, bool for_bucket);

// x-amz-storage-class, when given, must name one of S3's classes (InvalidStorageClass).
Expected<void, s3::S3Error> check_storage_class(const S3Request& r);

ObjectHeaders object_headers_from(const S3Request& r);
UserMetadata user_metadata_from(const S3Request& r);

// ETag, Last-Modified, Content-Type, the stored content headers and metadata.
void add_object_headers(http::Response& out, const ObjectRecord& record, bool with_checksums);
// x-amz-checksum-<alg> for each stored checksum.
void add_checksum_headers(http::Response& out, const Checksums& checksums);

// The engine's checksums in the shape of the XML responses.
s3::Checksums xml_checksums(const Checksums& checksums);

// Timestamps as S3 prints them.
std::string http_date(Timestamp t);
std::chrono::system_clock::time_point to_time_point(Timestamp t);

}  // namespace upgate::store
