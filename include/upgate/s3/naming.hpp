// upgate::s3 naming: the protocol's rules for bucket names, object keys and
// the request target.
//
// Promises:
//  - Object keys: valid UTF-8, at most 1024 bytes (KeyTooLongError with Size and
//    MaxSizeAllowed). Keys are opaque: "..", "./", "//" and leading slashes are
//    kept verbatim, as S3 keeps them; keys never become file paths in upgate.
//  - Bucket names: S3's general-purpose rules (3..63 of a-z 0-9 . -, starting and
//    ending with a letter or digit, no "..", not an IPv4 address, none of the
//    reserved prefixes and suffixes); otherwise InvalidBucketName.
//  - Percent-decoding refuses a '%' not followed by two hex digits (InvalidURI)
//    and never turns '+' into a space in a path.
//  - Request targets: path-style "/bucket/key" always; virtual-hosted style
//    "bucket.<domain>" when a domain is configured and the Host matches it.
//  - url_encode_key is the encoding S3 applies under encoding-type=url: bytes
//    outside A-Z a-z 0-9 - _ . * / are %XX (uppercase hex), space is '+'.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::s3 {

inline constexpr std::size_t kMaxKeyBytes = 1024;

Expected<void, S3Error> validate_object_key(std::string_view key);
Expected<void, S3Error> validate_bucket_name(std::string_view bucket);

// RFC 3986 percent-decoding. '+' stays '+' unless plus_is_space (form/query data).
Expected<std::string, S3Error> percent_decode(std::string_view text, bool plus_is_space = false);

std::string url_encode_key(std::string_view text);

struct RequestTarget {
  std::string bucket;          // empty: the service (ListBuckets)
  std::string key = {};        // empty: the bucket itself
  std::string raw_query = {};  // everything after '?', undecoded
  bool virtual_hosted = false;
};

// `target` is the HTTP request-target ("/bucket/key?query"); `host` the Host
// header (a port is ignored; case-insensitive); `domain` the configured base
// domain for virtual-hosted style ("s3.example.com"), or empty for path-style only.
// Decodes and validates bucket and key (KeyTooLongError, InvalidURI, InvalidBucketName).
Expected<RequestTarget, S3Error> parse_request_target(std::string_view target,
                                                      std::string_view host,
                                                      std::string_view domain);

}  // namespace upgate::s3
