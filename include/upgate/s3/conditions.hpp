// upgate::s3 conditional requests: If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since as S3 evaluates them.
//
// Reads (GetObject, HeadObject) follow RFC 7232 section 6, which is also what S3
// documents:
//   1. If-Match present: false -> 412 (Condition If-Match); true -> skip step 2.
//   2. Else If-Unmodified-Since: modified after the date -> 412.
//   3. If-None-Match present: an ETag matches -> 304; no match -> skip step 4.
//   4. Else If-Modified-Since: not modified after the date -> 304.
// So If-Match true + If-Unmodified-Since false serves the object (200), and
// If-None-Match false + If-Modified-Since true answers 304, as S3 documents.
// A date that is not a valid HTTP-date, or lies in the future, is ignored.
// ETags compare without their quotes (S3 accepts unquoted values); "*" matches
// any existing object; lists ("a", "b") match if any member matches; If-Match
// uses the strong comparison (a W/ tag never matches), If-None-Match the weak one.
// Last-Modified is compared at one-second resolution, the resolution of HTTP-date.
//
// CopyObject's x-amz-copy-source-if-* use the same precedence, but every failure
// is 412 with Condition x-amz-copy-source-If-...
//
// Writes (PutObject, CompleteMultipartUpload, CopyObject destination): S3 accepts
// only If-None-Match: * (fail 412 when the key exists) and If-Match: <etag> (fail
// 412 when the ETag differs, 404 NoSuchKey when there is no object); both at once,
// If-None-Match with an ETag or If-Match: * are 501 NotImplemented.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3/dates.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::s3 {

struct ConditionalHeaders {
  std::optional<std::string> if_match = {};
  std::optional<std::string> if_none_match = {};
  std::optional<std::string> if_modified_since = {};
  std::optional<std::string> if_unmodified_since = {};
};

// What the conditions are evaluated against.
struct ObjectValidators {
  std::string etag;                                     // with or without the surrounding quotes
  std::chrono::system_clock::time_point last_modified;  // compared truncated to seconds
};

// Whether the ETag list in an If-Match / If-None-Match value contains `etag`.
// `weak` selects RFC 7232's weak comparison (W/ prefixes ignored).
bool etag_list_matches(std::string_view header_value, std::string_view etag, bool weak);

// GetObject / HeadObject. Ok: serve. Errors: PreconditionFailed (412, detail
// Condition) or NotModified (304, no body).
Expected<void, S3Error> evaluate_read_conditions(const ConditionalHeaders& headers,
                                                 const ObjectValidators& object, Seconds now);

// CopyObject / UploadPartCopy source conditions (the x-amz-copy-source-if-* headers,
// passed in the same struct). Errors: PreconditionFailed only.
Expected<void, S3Error> evaluate_copy_source_conditions(const ConditionalHeaders& headers,
                                                        const ObjectValidators& object,
                                                        Seconds now);

struct WriteConditions {
  bool require_absent = false;          // If-None-Match: *
  std::optional<std::string> if_match;  // If-Match: <etag list>
  bool empty() const { return !require_absent && !if_match; }
};

// Checks the headers' shape before any body is read.
Expected<WriteConditions, S3Error> parse_write_conditions(
    const std::optional<std::string>& if_match, const std::optional<std::string>& if_none_match);

// Decides at commit time, against the object currently stored under the key
// (nullptr: none). Errors: PreconditionFailed (412) or NoSuchKey (404).
Expected<void, S3Error> check_write_conditions(const WriteConditions& conditions,
                                               const ObjectValidators* existing);

}  // namespace upgate::s3
