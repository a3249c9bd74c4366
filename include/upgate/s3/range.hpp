// upgate::s3 Range: what GetObject/HeadObject do with a Range header, as S3 does it.
//
// S3 serves one byte range (RFC 7233 "bytes" unit) and otherwise behaves so:
//   bytes=a-b    bytes a..min(b, size-1)               206
//   bytes=a-     bytes a..size-1                       206
//   bytes=-n     the last min(n, size) bytes           206
//   a >= size (including any a- on an empty object)    416 InvalidRange
//   bytes=-0                                           416 InvalidRange
//   b < a, a suffix on an empty object, several ranges
//   ("0-1,3-4"), a non-numeric or otherwise malformed
//   value, another unit                                ignored: 200 with the whole object
// The 416 response carries Content-Range: bytes */size, and the error document
// carries ActualObjectSize and RangeRequested.
//
// Promises: pure arithmetic on uint64 without overflow; never reads more than
// the header; a header longer than 1 KiB is ignored like any malformed one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::s3 {

struct ByteRange {
  std::uint64_t first = 0;  // inclusive
  std::uint64_t last = 0;   // inclusive

  std::uint64_t length() const { return last - first + 1; }
  // "bytes first-last/size", the Content-Range of a 206.
  std::string content_range(std::uint64_t object_size) const;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// nullopt: serve the whole object (200). A ByteRange: serve it (206).
// An error: InvalidRange (416).
Expected<std::optional<ByteRange>, S3Error> evaluate_range(std::string_view range_header,
                                                           std::uint64_t object_size);

// "bytes */size", the Content-Range of a 416.
std::string unsatisfiable_content_range(std::uint64_t object_size);

}  // namespace upgate::s3
