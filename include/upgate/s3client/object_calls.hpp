// upgate::s3client object calls: what upgate asks the store about an object once a client
// says its upload is done: HeadObject (size, type, ETag, version, checksums, metadata), a
// bounded ranged GetObject of its first bytes, CopyObject (to move it aside) and
// DeleteObject.
//
// Each is one blocking S3Client::send(): call them off the I/O threads
// (Exchange::run_blocking). Answers are hostile input: sizes are parsed strictly, and
// the first-bytes read never keeps more than it asked for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::s3client {

struct ObjectHead {
  std::uint64_t size = 0;
  std::string content_type;               // empty when the store sent none
  std::string etag;                       // quotes removed
  std::optional<std::string> version_id;  // x-amz-version-id, when the bucket is versioned
  // x-amz-checksum-<algorithm> headers (asked for with x-amz-checksum-mode: ENABLED):
  // algorithm lower-case ("sha256"), value as sent (base64, "-N" for a composite).
  std::vector<std::pair<std::string, std::string>> checksums;
  // x-amz-meta-* with the prefix removed, names lower-case.
  std::vector<std::pair<std::string, std::string>> metadata;
};

// True when the store said the object (or its bucket) is not there: 404, with or
// without an error document (a HEAD has none).
bool is_not_found(const ClientError& error);

Expected<ObjectHead, ClientError> head_object(const S3Client& client, std::string_view bucket,
                                              std::string_view key);
// The head of a HeadObject answer; exposed for tests. Fails when Content-Length is absent
// or not a decimal number.
Expected<ObjectHead, std::string> read_object_head(const HttpResponse& response);

// At most `max_bytes` (> 0) bytes from the start of the object (Range: bytes=0-N). The
// caller skips the call for an empty object (S3 answers 416 to any range of one). A
// store that ignores the range and sends more is an error, never a silent cut: the
// client's max_response_body should be at least max_bytes.
Expected<std::string, ClientError> get_object_prefix(const S3Client& client,
                                                     std::string_view bucket, std::string_view key,
                                                     std::size_t max_bytes);

// Copies `source_key` to `destination_key` in the same bucket, metadata and Content-Type
// kept. With `if_match`, only while the source still has that ETag (else a 412 error).
Expected<void, ClientError> copy_object(const S3Client& client, std::string_view bucket,
                                        std::string_view source_key,
                                        std::string_view destination_key,
                                        std::string_view if_match = {});

Expected<void, ClientError> delete_object(const S3Client& client, std::string_view bucket,
                                          std::string_view key);

}  // namespace upgate::s3client
