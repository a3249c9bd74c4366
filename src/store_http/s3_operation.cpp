// S3's routing table: method x resource x sub-resource. Sub-resources S3 has
// but this store does not are refused with NotImplemented, so a client learns
// the feature is missing instead of getting a listing it did not ask for.
#include "s3_operation.hpp"

#include <algorithm>
#include <array>

#include "upgate/enum_names.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace {

using s3::ErrorCode;

// Sub-resources of S3 that this store does not implement (bucket or object).
constexpr std::array<std::string_view, 26> kUnsupportedSubresources = {
    "accelerate",   "analytics",      "attributes",
    "encryption",   "inventory",      "intelligent-tiering",
    "legal-hold",   "logging",        "metrics",
    "notification", "object-lock",    "ownershipControls",
    "policy",       "policyStatus",   "publicAccessBlock",
    "replication",  "requestPayment", "restore",
    "retention",    "select",         "session",
    "tagging",      "torrent",        "versions",
    "website",      "renameObject",
};

Expected<S3Operation, s3::S3Error> not_allowed(std::string_view method, bool object) {
  return Unexpected(s3::method_not_allowed(method, object ? "OBJECT" : "BUCKET"));
}

}  // namespace

std::optional<std::string_view> query_value(std::span<const sigv4::QueryParam> query,
                                            std::string_view name) {
  for (const auto& p : query) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

bool has_query(std::span<const sigv4::QueryParam> query, std::string_view name) {
  return query_value(query, name).has_value();
}

Expected<S3Operation, s3::S3Error> classify(const RequestShape& r) {
  const std::string_view m = r.method;
  auto q = [&](std::string_view name) { return has_query(r.query, name); };

  if (m == "OPTIONS") {
    if (!r.has_bucket) return not_allowed(m, false);
    return S3Operation::kPreflight;
  }
  for (std::string_view sub : kUnsupportedSubresources) {
    if (q(sub)) {
      return Unexpected(s3::make_error(ErrorCode::NotImplemented,
                                       "A header you provided implies functionality that is not "
                                       "implemented")
                            .because("sub-resource ?" + std::string(sub) + " is not supported"));
    }
  }

  if (!r.has_bucket) {
    if (m == "GET" || m == "HEAD") return S3Operation::kListBuckets;
    return not_allowed(m, false);
  }

  if (!r.has_key) {
    if (m == "GET" || m == "HEAD") {
      if (q("cors")) return S3Operation::kGetBucketCors;
      if (q("lifecycle")) return S3Operation::kGetBucketLifecycle;
      if (q("location")) return S3Operation::kGetBucketLocation;
      if (q("versioning")) return S3Operation::kGetBucketVersioning;
      if (q("acl")) return S3Operation::kGetBucketAcl;
      if (q("uploads")) return S3Operation::kListMultipartUploads;
      if (m == "HEAD") return S3Operation::kHeadBucket;
      const auto list_type = query_value(r.query, "list-type");
      if (list_type && *list_type == "2") return S3Operation::kListObjectsV2;
      return S3Operation::kListObjects;
    }
    if (m == "PUT") {
      if (q("cors")) return S3Operation::kPutBucketCors;
      if (q("lifecycle")) return S3Operation::kPutBucketLifecycle;
      if (q("acl")) return S3Operation::kPutBucketAcl;
      if (q("versioning")) {
        return Unexpected(s3::make_error(ErrorCode::NotImplemented)
                              .because("bucket versioning is not supported"));
      }
      return S3Operation::kCreateBucket;
    }
    if (m == "DELETE") {
      if (q("cors")) return S3Operation::kDeleteBucketCors;
      if (q("lifecycle")) return S3Operation::kDeleteBucketLifecycle;
      return S3Operation::kDeleteBucket;
    }
    if (m == "POST") {
      if (q("delete")) return S3Operation::kDeleteObjects;
      if (r.is_form_post) return S3Operation::kPostObject;
      return Unexpected(s3::make_error(ErrorCode::RequestIsNotMultiPartContent,
                                       "Bucket POST must be of the enclosure-type "
                                       "multipart/form-data"));
    }
    return not_allowed(m, false);
  }

  // An object.
  if (m == "GET" || m == "HEAD") {
    if (q("uploadId")) {
      if (m == "HEAD") return not_allowed(m, true);
      return S3Operation::kListParts;
    }
    if (q("acl")) return S3Operation::kGetObjectAcl;
    return m == "GET" ? S3Operation::kGetObject : S3Operation::kHeadObject;
  }
  if (m == "PUT") {
    if (q("acl")) {
      return Unexpected(
          s3::make_error(ErrorCode::NotImplemented).because("PutObjectAcl is not supported"));
    }
    if (q("uploadId") || q("partNumber")) {
      if (!q("uploadId") || !q("partNumber")) {
        // S3 treats a PUT with only one of them as a plain PutObject; a part
        // upload missing its other half is almost surely a client bug.
        return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                         "UploadPart requires both partNumber and uploadId"));
      }
      return r.has_copy_source ? S3Operation::kUploadPartCopy : S3Operation::kUploadPart;
    }
    return r.has_copy_source ? S3Operation::kCopyObject : S3Operation::kPutObject;
  }
  if (m == "DELETE") {
    if (q("uploadId")) return S3Operation::kAbortMultipartUpload;
    return S3Operation::kDeleteObject;
  }
  if (m == "POST") {
    if (q("uploads")) return S3Operation::kCreateMultipartUpload;
    if (q("uploadId")) return S3Operation::kCompleteMultipartUpload;
    return not_allowed(m, true);
  }
  return not_allowed(m, true);
}

namespace {

// A row an operation: S3's name for it, the IAM action that allows it (none for a
// preflight), and whether it acts on an object (its resource is bucket/key).
struct OperationRow {
  S3Operation value;
  std::string_view name;
  std::string_view iam_action;
  bool on_object;
};

constexpr OperationRow kOperations[] = {
    {S3Operation::kListBuckets, "ListBuckets", "s3:ListAllMyBuckets", false},
    {S3Operation::kCreateBucket, "CreateBucket", "s3:CreateBucket", false},
    {S3Operation::kDeleteBucket, "DeleteBucket", "s3:DeleteBucket", false},
    {S3Operation::kHeadBucket, "HeadBucket", "s3:ListBucket", false},
    {S3Operation::kGetBucketLocation, "GetBucketLocation", "s3:GetBucketLocation", false},
    {S3Operation::kGetBucketVersioning, "GetBucketVersioning", "s3:GetBucketVersioning", false},
    {S3Operation::kGetBucketAcl, "GetBucketAcl", "s3:GetBucketAcl", false},
    {S3Operation::kPutBucketAcl, "PutBucketAcl", "s3:PutBucketAcl", false},
    {S3Operation::kListObjects, "ListObjects", "s3:ListBucket", false},
    {S3Operation::kListObjectsV2, "ListObjectsV2", "s3:ListBucket", false},
    {S3Operation::kListMultipartUploads, "ListMultipartUploads", "s3:ListBucketMultipartUploads",
     false},
    {S3Operation::kPutBucketCors, "PutBucketCors", "s3:PutBucketCORS", false},
    {S3Operation::kGetBucketCors, "GetBucketCors", "s3:GetBucketCORS", false},
    {S3Operation::kDeleteBucketCors, "DeleteBucketCors", "s3:PutBucketCORS", false},
    {S3Operation::kPutBucketLifecycle, "PutBucketLifecycleConfiguration",
     "s3:PutLifecycleConfiguration", false},
    {S3Operation::kGetBucketLifecycle, "GetBucketLifecycleConfiguration",
     "s3:GetLifecycleConfiguration", false},
    {S3Operation::kDeleteBucketLifecycle, "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration",
     false},
    {S3Operation::kDeleteObjects, "DeleteObjects", "s3:DeleteObject", false},
    {S3Operation::kPostObject, "PostObject", "s3:PutObject", true},
    {S3Operation::kPutObject, "PutObject", "s3:PutObject", true},
    {S3Operation::kCopyObject, "CopyObject", "s3:PutObject", true},
    {S3Operation::kGetObject, "GetObject", "s3:GetObject", true},
    {S3Operation::kHeadObject, "HeadObject", "s3:GetObject", true},
    {S3Operation::kDeleteObject, "DeleteObject", "s3:DeleteObject", true},
    {S3Operation::kGetObjectAcl, "GetObjectAcl", "s3:GetObjectAcl", true},
    {S3Operation::kCreateMultipartUpload, "CreateMultipartUpload", "s3:PutObject", true},
    {S3Operation::kUploadPart, "UploadPart", "s3:PutObject", true},
    {S3Operation::kUploadPartCopy, "UploadPartCopy", "s3:PutObject", true},
    {S3Operation::kCompleteMultipartUpload, "CompleteMultipartUpload", "s3:PutObject", true},
    {S3Operation::kAbortMultipartUpload, "AbortMultipartUpload", "s3:AbortMultipartUpload", true},
    {S3Operation::kListParts, "ListParts", "s3:ListMultipartUploadParts", true},
    {S3Operation::kPreflight, "Preflight", "", false},
};
// A row for every operation: none twice, as many as up to the last (kPreflight).
static_assert(each_value_once(kOperations) &&
              std::size(kOperations) == static_cast<std::size_t>(S3Operation::kPreflight) + 1);

}  // namespace

std::string_view operation_name(S3Operation op) {
  const OperationRow* row = row_of(kOperations, op);
  return row ? row->name : "Unknown";
}

std::string_view iam_action(S3Operation op) {
  const OperationRow* row = row_of(kOperations, op);
  return row ? row->iam_action : "";
}

Expected<S3Operation, s3::S3Error> classify_request(const RequestHead& head,
                                                    std::string_view domain,
                                                    s3::RequestTarget& target,
                                                    std::vector<sigv4::QueryParam>& query) {
  auto parsed_target = s3::parse_request_target(head.target, head.host, domain);
  if (!parsed_target) return Unexpected(std::move(parsed_target).error());
  target = std::move(*parsed_target);
  auto parsed_query = sigv4::parse_query(target.raw_query);
  if (!parsed_query) {
    return Unexpected(
        s3::make_error(ErrorCode::InvalidURI).because("malformed percent escape in the query"));
  }
  query = std::move(*parsed_query);

  RequestShape shape;
  shape.method = head.method;
  shape.has_bucket = !target.bucket.empty();
  shape.has_key = !target.key.empty();
  shape.query = query;
  shape.has_copy_source = head.has_copy_source;
  shape.is_form_post =
      head.content_type && text::istarts_with(*head.content_type, "multipart/form-data");
  return classify(shape);
}

bool targets_object(S3Operation op) {
  const OperationRow* row = row_of(kOperations, op);
  return row && row->on_object;
}

}  // namespace upgate::store
