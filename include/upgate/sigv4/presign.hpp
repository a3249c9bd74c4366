// Presigned S3 URLs: what the upload API hands to browsers.
//
// Given an endpoint, bucket, key, method and the headers the client must send,
// presign() returns the URL and exactly those headers. Anyone holding the URL
// can make that one request until it expires; the secret never leaves the
// server. The payload is UNSIGNED-PAYLOAD (the browser has the bytes, the
// server does not), so the size and type are pinned by signing the
// Content-Length and Content-Type headers, and the content itself by
// x-amz-checksum-sha256 when the client declared it.
//
// This is the hot path of the upload API: one call does one allocation for the
// URL plus the returned headers, and reuses cached signing keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/request.hpp"
#include "upgate/sigv4/s3_endpoint.hpp"
#include "upgate/sigv4/signer.hpp"

namespace upgate::sigv4 {

struct PresignRequest {
  std::string_view method = "PUT";
  std::string_view bucket;
  std::string_view key;  // raw, not encoded; may hold any UTF-8
  std::chrono::seconds expires{300};
  Timestamp time;  // signing time; the URL is valid from `time` to `time + expires`
  // Headers the client must send, all signed (content-type, content-length,
  // if-none-match, x-amz-checksum-sha256, x-amz-meta-*, ...). `host` is implied.
  std::span<const HeaderView> headers;
  // Extra query parameters, decoded (response-content-disposition, partNumber,
  // uploadId, ...); signed, and they appear in the URL.
  std::span<const QueryParamView> query;
};

struct PresignedUrl {
  std::string url;
  std::string method;
  std::vector<Header> headers;  // exactly what the client must send, besides Host
  Timestamp expires_at;
};

// Checks: method is a token, bucket non-empty, expires in 1..604800 s, header
// names are tokens and values hold no CR/LF, credentials present.
Expected<PresignedUrl, SignError> presign(const PresignRequest& request, const S3Endpoint& endpoint,
                                          const Credentials& credentials, std::string_view region,
                                          SigningKeyCache* cache = nullptr);

}  // namespace upgate::sigv4
