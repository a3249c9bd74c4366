// upgate::s3 XML request parsers: the request bodies the store accepts, read
// as hostile input.
//
// Promises, for every parser:
//  - a body longer than `max_bytes` is refused (MaxMessageLengthExceeded) before
//    it is parsed;
//  - no DTD is ever processed: a DOCTYPE or ENTITY declaration is refused, and so
//    is any entity reference other than the five predefined ones and numeric
//    references to characters XML 1.0 allows — nothing is ever expanded;
//  - the body must be well-formed UTF-8 XML with exactly one root element of the
//    expected name, with no namespace or S3's (http://s3.amazonaws.com/doc/2006-03-01/);
//  - an unknown element, a duplicated single element, text where an element
//    belongs or an element where text belongs is MalformedXML;
//  - every MalformedXML carries S3's fixed message and, in S3Error::reason, the
//    precise place and cause (for logs).
// Nested markup is only ever walked to the fixed depth of the schema.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3/cors.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/s3/lifecycle.hpp"

namespace upgate::s3 {

inline constexpr int kMaxPartNumber = 10000;
inline constexpr std::size_t kMaxDeleteObjects = 1000;

struct CompletedPart {
  int part_number = 0;
  std::string etag = {};  // without the surrounding quotes
  std::optional<std::string> checksum_crc32 = {}, checksum_crc32c = {}, checksum_crc64nvme = {},
                             checksum_sha1 = {}, checksum_sha256 = {};
};

struct CompleteMultipartUploadRequest {
  std::vector<CompletedPart> parts = {};  // strictly ascending part numbers
};

// <CompleteMultipartUpload><Part><PartNumber/><ETag/>[<Checksum*/>]</Part>...
// Also refuses: no part (InvalidRequest "You must specify at least one part"), a
// part number outside 1..10000 (InvalidArgument), parts not in strictly
// ascending order (InvalidPartOrder).
Expected<CompleteMultipartUploadRequest, S3Error> parse_complete_multipart_upload(
    std::string_view body, std::size_t max_bytes);

struct ObjectToDelete {
  std::string key = {};
  std::string version_id = {};      // empty when not given
  std::optional<std::string> etag;  // conditional delete (If-Match semantics)
};

struct DeleteObjectsRequest {
  bool quiet = false;
  std::vector<ObjectToDelete> objects = {};  // 1..1000, in document order
};

// <Delete>[<Quiet>true|false</Quiet>]<Object><Key/>[<VersionId/>]</Object>...</Delete>
Expected<DeleteObjectsRequest, S3Error> parse_delete_objects(std::string_view body,
                                                             std::size_t max_bytes);

// <CORSConfiguration><CORSRule>...</CORSRule>...</CORSConfiguration>, then
// validate_cors_configuration.
Expected<CorsConfiguration, S3Error> parse_cors_configuration_xml(
    std::string_view body, std::size_t max_bytes = kMaxCorsDocumentBytes);

// <LifecycleConfiguration><Rule>...</Rule>...</LifecycleConfiguration> (the subset in
// lifecycle.hpp: what S3 has and upgate does not is NotImplemented), then
// validate_lifecycle_configuration.
Expected<LifecycleConfiguration, S3Error> parse_lifecycle_configuration_xml(
    std::string_view body, std::size_t max_bytes = kMaxLifecycleDocumentBytes);

// An element as read: its name, its text when it is a leaf, its element children in order.
struct XmlElement {
  std::string name = {};
  std::string text = {};
  std::vector<XmlElement> children = {};
};

// A rule in S3's lifecycle schema that uses what upgate does not manage (a Transition, a tag
// or size filter, a noncurrent-version action, an Expiration by Date...), as the server sent
// it: a client shows it and knows a configuration of its own would delete it.
struct ForeignLifecycleRule {
  std::string id = {};           // its <ID>; empty when it has none
  std::string unsupported = {};  // the first element upgate does not manage, e.g. "Transition"
  XmlElement rule = {};          // the whole <Rule>
};

// A server's <LifecycleConfiguration> (GetBucketLifecycleConfiguration on AWS, Ceph RGW, the
// store) as a client reads it: each rule in upgate's subset parsed, each rule that is in S3's
// schema but beyond the subset kept as a ForeignLifecycleRule, in document order. What is
// outside S3's schema is MalformedXML, as for the store; the subset's rules are validated
// (validate_lifecycle_configuration) among themselves.
struct LifecycleDocument {
  using Rule = std::variant<LifecycleRule, ForeignLifecycleRule>;
  std::vector<Rule> rules = {};

  LifecycleConfiguration managed() const;  // the subset's rules, in order
  std::vector<const ForeignLifecycleRule*> foreign() const;
};
Expected<LifecycleDocument, S3Error> parse_lifecycle_document_xml(
    std::string_view body, std::size_t max_bytes = kMaxLifecycleDocumentBytes);

struct CreateBucketConfiguration {
  std::optional<std::string> location_constraint = {};
};

// An empty body (S3 allows it) yields no constraint.
Expected<CreateBucketConfiguration, S3Error> parse_create_bucket_configuration(
    std::string_view body, std::size_t max_bytes);

// Whether a bucket created with `requested` may live on a server in `server_region`,
// as S3 decides: none means us-east-1; an explicit "us-east-1" is
// InvalidLocationConstraint; another region than the server's is
// IllegalLocationConstraintException.
Expected<void, S3Error> check_location_constraint(const std::optional<std::string>& requested,
                                                  std::string_view server_region);

}  // namespace upgate::s3
