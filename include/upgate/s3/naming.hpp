// upgate::s3 naming: the protocol's rules for bucket names, object keys and
// the request target.
//
// Promises:
//  - Object keys: valid UTF-8, at most 1024 bytes (KeyTooLongError with Size and
//    MaxSizeAllowed). Keys are opaque: "..", "./", "//" and leading slashes are
//    kept verbatim, as S3 keeps them; keys never become file paths in upgate.
//  - Bucket names: S3's general-purpose rules, the one definition in upgate (the
//    store, the configuration and the AWS policies all ask here); otherwise
//    InvalidBucketName. The syntax: 3..63 of a-z 0-9 . -, dot-separated labels that
//    each begin and end with a letter or digit (so no "..", ".-" or "-."), not a
//    dotted quad such as 192.168.5.4. A name a bucket can be created with also
//    avoids the reserved prefixes (xn--, sthree-, amzn-s3-demo-) and suffixes
//    (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3).
//    Why ".-" and "-." are refused although S3's current page names only "..": its
//    earlier wording ("a series of one or more labels", each starting and ending with
//    a lowercase letter or number) still holds for virtual-hosted addressing, which
//    needs a DNS name; the AWS SDK for Java refuses "dashes next to periods", and
//    the S3 servers that follow AWS closely (MinIO, Scality) refuse them too. The
//    stricter rule means no bucket the embedded store creates is one S3 refuses.
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
inline constexpr std::size_t kMinBucketNameLength = 3;
inline constexpr std::size_t kMaxBucketNameLength = 63;

Expected<void, S3Error> validate_object_key(std::string_view key);

// Every rule: what CreateBucket accepts, and what the store answers requests for.
Expected<void, S3Error> validate_bucket_name(std::string_view bucket);

// The syntax alone, without the reserved prefixes and suffixes: a name a client may
// send requests to on S3, which includes access point aliases ("...-s3alias") and
// directory buckets ("...--x-s3"). upgate's configuration checks its bucket with this.
Expected<void, S3Error> validate_bucket_name_syntax(std::string_view bucket);

// RFC 3986 percent-decoding. '+' stays '+' unless plus_is_space (form/query data).
Expected<std::string, S3Error> percent_decode(std::string_view text, bool plus_is_space = false);

// Percent-encodes all but A-Z a-z 0-9 - _ . * / as %XX (a space too: %20, never '+'),
// as encoding-type=url listings and POST Object's Location carry keys.
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
