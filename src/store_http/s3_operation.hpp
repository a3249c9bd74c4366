// Which S3 operation a request is, decided the way S3 decides it: from the
// method, whether the path names a bucket and a key, the sub-resource query
// parameters (?uploads, ?uploadId, ?cors, ?list-type=2, ...) and a few headers
// (x-amz-copy-source, a multipart/form-data POST).
//
// Promises:
//  - classify() is pure: no I/O, no authentication. It answers S3's errors for
//    requests no operation takes: MethodNotAllowed for a method the resource
//    does not support, NotImplemented for a sub-resource S3 has and this store
//    does not (?tagging, ?policy, ?website, ...).
//  - iam_action() names the IAM action S3 checks for the operation
//    ("s3:PutObject"), which restricted access keys are matched against.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/sigv4/canonical_request.hpp"

namespace upgate::store {

enum class S3Operation {
  kListBuckets,
  kCreateBucket,
  kDeleteBucket,
  kHeadBucket,
  kGetBucketLocation,
  kGetBucketVersioning,
  kGetBucketAcl,
  kPutBucketAcl,
  kListObjects,
  kListObjectsV2,
  kListMultipartUploads,
  kPutBucketCors,
  kGetBucketCors,
  kDeleteBucketCors,
  kPutBucketLifecycle,  // PutBucketLifecycleConfiguration
  kGetBucketLifecycle,  // GetBucketLifecycleConfiguration
  kDeleteBucketLifecycle,
  kDeleteObjects,
  kPostObject,
  kPutObject,
  kCopyObject,
  kGetObject,
  kHeadObject,
  kDeleteObject,
  kGetObjectAcl,
  kCreateMultipartUpload,
  kUploadPart,
  kUploadPartCopy,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kListParts,
  kPreflight,  // OPTIONS: a CORS preflight, never authenticated
};

// "PutObject", "ListObjectsV2", ... (for logs).
std::string_view operation_name(S3Operation op);
// The IAM action a key must be allowed ("s3:GetObject"). ListObjects and
// ListObjectsV2 are both s3:ListBucket, HeadObject is s3:GetObject, the
// bucket CORS calls are s3:PutBucketCORS / s3:GetBucketCORS, the lifecycle calls
// s3:PutLifecycleConfiguration (also Delete) / s3:GetLifecycleConfiguration, as in IAM.
std::string_view iam_action(S3Operation op);
// True for operations on an object (the IAM resource is "bucket/key").
bool targets_object(S3Operation op);

struct RequestShape {
  std::string_view method;                   // as sent
  bool has_bucket = false;                   // the path (or Host) names a bucket
  bool has_key = false;                      // ... and a key
  std::span<const sigv4::QueryParam> query;  // decoded
  bool has_copy_source = false;              // x-amz-copy-source present
  bool is_form_post = false;                 // Content-Type multipart/form-data
};

Expected<S3Operation, s3::S3Error> classify(const RequestShape& request);

// What the store reads of a request to route it: the request line and three headers.
struct RequestHead {
  std::string_view method;                       // as sent
  std::string_view target;                       // the request-target, "/bucket/key?query"
  std::string_view host;                         // the Host header, "" when absent
  std::optional<std::string_view> content_type;  // Content-Type
  bool has_copy_source = false;                  // x-amz-copy-source present
};

// The store's first step for every request: the target (path style, or virtual-hosted
// under `domain`) decoded into `target`, its query into `query`, then classify(). The two
// are filled as far as parsing gets, so a refusal is still logged with its bucket and key.
// InvalidURI for a malformed percent escape in the query.
Expected<S3Operation, s3::S3Error> classify_request(const RequestHead& head,
                                                    std::string_view domain,
                                                    s3::RequestTarget& target,
                                                    std::vector<sigv4::QueryParam>& query);

// The value of the first query parameter with this exact name.
std::optional<std::string_view> query_value(std::span<const sigv4::QueryParam> query,
                                            std::string_view name);
bool has_query(std::span<const sigv4::QueryParam> query, std::string_view name);

}  // namespace upgate::store
