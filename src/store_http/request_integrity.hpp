// upgate::store request integrity: the rules S3 applies to a request's integrity headers
// beyond checking the values they carry, worded as S3 words its refusals.
//
// - Operations S3 marks as requiring a checksum (PutBucketCors, DeleteObjects) refuse a
//   request that carries none of Content-MD5, an x-amz-checksum-<algorithm> header, or an
//   x-amz-trailer naming one: 400 InvalidRequest "Missing required header for this
//   request: Content-MD5". Modern SDKs send a CRC32 checksum instead of Content-MD5.
// - On every operation, x-amz-sdk-checksum-algorithm without a checksum value (header or
//   trailer) is 400 InvalidRequest "x-amz-sdk-checksum-algorithm specified, but no
//   corresponding x-amz-checksum-* or x-amz-trailer headers were found."
// - A body read whole is compared with its x-amz-checksum-<algorithm> value: 400 BadDigest
//   "The CRC32 you specified did not match the calculated checksum." (algorithm named).
// - UploadPart's checksum algorithm must be the one CreateMultipartUpload declared: 400
//   InvalidRequest "Checksum Type mismatch occurred, expected checksum Type: null, actual
//   checksum Type: crc32" ("null" when the upload declared none).
// Pure functions: nothing here reads a socket or keeps a view.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "store/checksum.hpp"
#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/sigv4/request.hpp"

namespace upgate::store {

// Which integrity headers a request carries (names case-insensitive; values unchecked).
struct IntegrityHeaders {
  bool content_md5 = false;
  bool checksum_value = false;    // x-amz-checksum-<algorithm>, not -algorithm/-type/-mode
  bool checksum_trailer = false;  // x-amz-trailer names an x-amz-checksum-*
  bool sdk_algorithm = false;     // x-amz-sdk-checksum-algorithm
};
IntegrityHeaders integrity_headers(std::span<const sigv4::HeaderView> headers);

// x-amz-sdk-checksum-algorithm needs a checksum value beside it, on every operation.
Expected<void, s3::S3Error> check_sdk_checksum_algorithm(const IntegrityHeaders& headers);

// For operations that require a checksum; includes check_sdk_checksum_algorithm.
Expected<void, s3::S3Error> require_integrity_header(const IntegrityHeaders& headers);

// `body` against `expected_base64`, the value of x-amz-checksum-<algorithm>.
Expected<void, s3::S3Error> verify_body_checksum(ChecksumAlgorithm algorithm,
                                                 std::string_view expected_base64,
                                                 std::string_view body);

// A part's checksum algorithm (none: the part sent no checksum) against the one its
// multipart upload declared (none: declared none). A part without a checksum is accepted
// either way: the store computes the declared one.
Expected<void, s3::S3Error> check_part_checksum_algorithm(std::optional<ChecksumAlgorithm> declared,
                                                          std::optional<ChecksumAlgorithm> sent);

}  // namespace upgate::store
