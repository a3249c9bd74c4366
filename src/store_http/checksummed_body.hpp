// Internal: the body of an operation S3 requires a checksum on (PutBucketCors,
// DeleteObjects), read whole.
//
// Refused before a byte is read (so no 100 Continue invites it) when the request carries
// no Content-MD5, x-amz-checksum-<algorithm> or checksum trailer, or a malformed one
// (request_integrity.hpp, checksum_request()); then read by receive_small_body() (which
// checks Content-MD5 and x-amz-content-sha256) and compared with its
// x-amz-checksum-<algorithm> header. A checksum that arrives as an aws-chunked trailer is
// accepted as the required header but not compared: receive_small_body() does not hand
// trailers back.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string>

#include "s3_request.hpp"
#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::store {

boost::asio::awaitable<Expected<std::string, s3::S3Error>> receive_checksummed_small_body(
    S3Request& r, std::size_t max_bytes);

}  // namespace upgate::store
