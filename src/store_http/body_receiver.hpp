// Internal: a request body streamed into a durable blob, checked on the way.
//
// receive_body() is what PutObject and UploadPart share: it reads the payload
// mode from the verified request, refuses what is too large before reading a
// byte, streams the body through a few fixed buffers into a BlobWriter on the
// blocking pool (decoding aws-chunked, checking chunk signatures and hashing on
// one lane while another writes: body_pipeline.hpp), then compares Content-MD5
// (BadDigest), x-amz-content-sha256 (XAmzContentSHA256Mismatch) and
// x-amz-checksum-* from a header or a trailer (BadDigest), and only then
// commits the blob (fsync + rename). On any error the temp file is gone and
// nothing is stored.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "s3_request.hpp"
#include "store/blob_store.hpp"
#include "store/checksum.hpp"
#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::store {

struct ChecksumRequest {
  std::optional<ChecksumAlgorithm> algorithm;  // what to compute and store
  std::optional<std::string> expected;         // base64 from x-amz-checksum-<alg>
  bool from_trailer = false;                   // the value arrives as a trailer
};

// Reads x-amz-checksum-*, x-amz-sdk-checksum-algorithm and x-amz-trailer (the
// query string is never consulted: AWS ignores checksums there). Errors:
// InvalidRequest for two algorithms, a malformed value or an unsupported one.
Expected<ChecksumRequest, s3::S3Error> checksum_request(const S3Request& r);

struct ReceivedBody {
  CommittedBlob blob;
  Checksums checksums;  // what was computed (and verified when the client sent it)
};

struct ReceiveOptions {
  std::uint64_t max_size = kMaxSinglePutSize;
  // A multipart upload created with x-amz-checksum-algorithm: every part computes it.
  std::optional<ChecksumAlgorithm> required_algorithm;
};

boost::asio::awaitable<Expected<ReceivedBody, s3::S3Error>> receive_body(S3Request& r,
                                                                         ReceiveOptions options);

// A small request body (XML documents), read whole through the same payload
// checks (a hex x-amz-content-sha256 is verified, aws-chunked decoded).
// MaxMessageLengthExceeded beyond max_bytes; Content-MD5 checked when sent.
boost::asio::awaitable<Expected<std::string, s3::S3Error>> receive_small_body(
    S3Request& r, std::size_t max_bytes);

}  // namespace upgate::store
