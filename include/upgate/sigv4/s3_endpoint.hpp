// Where S3 requests for a bucket go: an endpoint (scheme, host, port, addressing style)
// and the one rule that decides between virtual-hosted (https://BUCKET.host/KEY) and
// path-style (https://host/BUCKET/KEY) URLs. Presigned URLs, POST policy forms and the
// outbound S3 client all address buckets through it, so they never disagree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/sigv4/signer.hpp"

namespace upgate::sigv4 {

struct S3Endpoint {
  std::string scheme = "https";
  std::string host;         // "s3.eu-west-1.amazonaws.com", "127.0.0.1", "minio.internal"
  std::uint16_t port = 0;   // 0: the scheme's default, left out of the URL and Host
  bool path_style = false;  // false: https://bucket.host/key (falls back to path style
                            // for bucket names that are not DNS-safe)

  // "http://127.0.0.1:9000", "https://s3.example.com" (a path or query is an error).
  static Expected<S3Endpoint, SignError> parse(std::string_view url, bool path_style);
  // AWS's regional virtual-hosted endpoint: https://BUCKET.s3.REGION.amazonaws.com.
  static S3Endpoint aws(std::string_view region);

  std::string host_header() const;  // host[:port], port only when not the default

  // An http or https scheme and a host, as parse() guarantees: presigners check
  // it for endpoints built by hand.
  bool usable() const { return (scheme == "http" || scheme == "https") && !host.empty(); }

  // Whether requests for `bucket` go to BUCKET.host (virtual-hosted style) rather than
  // host/BUCKET: only when path_style is off, the bucket can be a DNS label, it holds no '.'
  // under https (the wildcard certificate covers one label) and the host is not an IP
  // literal. Otherwise path style, as the AWS SDKs fall back.
  bool virtual_hosted_for(std::string_view bucket) const;

  // Appends the URL of an object (no query), by virtual_hosted_for:
  //   scheme://BUCKET.host[:port]/KEY  or  scheme://host[:port]/BUCKET/KEY
  // with bucket and key URI-encoded ('/' kept in the key). With an empty key it is the
  // bucket's URL, where a browser form posts: scheme://BUCKET.host/ or scheme://host/BUCKET.
  void append_url(std::string& out, std::string_view bucket, std::string_view key = {}) const;
};

}  // namespace upgate::sigv4
