// S3's routing table: method x resource x sub-resource. Sub-resources S3 has
// but this store does not are refused with NotImplemented, so a client learns
// the feature is missing instead of getting a listing it did not ask for.
#include "s3_operation.hpp"

#include <algorithm>
#include <array>

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

std::string_view operation_name(S3Operation op) {
  switch (op) {
    case S3Operation::kListBuckets:
      return "ListBuckets";
    case S3Operation::kCreateBucket:
      return "CreateBucket";
    case S3Operation::kDeleteBucket:
      return "DeleteBucket";
    case S3Operation::kHeadBucket:
      return "HeadBucket";
    case S3Operation::kGetBucketLocation:
      return "GetBucketLocation";
    case S3Operation::kGetBucketVersioning:
      return "GetBucketVersioning";
    case S3Operation::kGetBucketAcl:
      return "GetBucketAcl";
    case S3Operation::kPutBucketAcl:
      return "PutBucketAcl";
    case S3Operation::kListObjects:
      return "ListObjects";
    case S3Operation::kListObjectsV2:
      return "ListObjectsV2";
    case S3Operation::kListMultipartUploads:
      return "ListMultipartUploads";
    case S3Operation::kPutBucketCors:
      return "PutBucketCors";
    case S3Operation::kGetBucketCors:
      return "GetBucketCors";
    case S3Operation::kDeleteBucketCors:
      return "DeleteBucketCors";
    case S3Operation::kPutBucketLifecycle:
      return "PutBucketLifecycleConfiguration";
    case S3Operation::kGetBucketLifecycle:
      return "GetBucketLifecycleConfiguration";
    case S3Operation::kDeleteBucketLifecycle:
      return "DeleteBucketLifecycle";
    case S3Operation::kDeleteObjects:
      return "DeleteObjects";
    case S3Operation::kPostObject:
      return "PostObject";
    case S3Operation::kPutObject:
      return "PutObject";
    case S3Operation::kCopyObject:
      return "CopyObject";
    case S3Operation::kGetObject:
      return "GetObject";
    case S3Operation::kHeadObject:
      return "HeadObject";
    case S3Operation::kDeleteObject:
      return "DeleteObject";
    case S3Operation::kGetObjectAcl:
      return "GetObjectAcl";
    case S3Operation::kCreateMultipartUpload:
      return "CreateMultipartUpload";
    case S3Operation::kUploadPart:
      return "UploadPart";
    case S3Operation::kUploadPartCopy:
      return "UploadPartCopy";
    case S3Operation::kCompleteMultipartUpload:
      return "CompleteMultipartUpload";
    case S3Operation::kAbortMultipartUpload:
      return "AbortMultipartUpload";
    case S3Operation::kListParts:
      return "ListParts";
    case S3Operation::kPreflight:
      return "Preflight";
  }
  return "Unknown";
}

std::string_view iam_action(S3Operation op) {
  switch (op) {
    case S3Operation::kListBuckets:
      return "s3:ListAllMyBuckets";
    case S3Operation::kCreateBucket:
      return "s3:CreateBucket";
    case S3Operation::kDeleteBucket:
      return "s3:DeleteBucket";
    case S3Operation::kHeadBucket:
      return "s3:ListBucket";
    case S3Operation::kGetBucketLocation:
      return "s3:GetBucketLocation";
    case S3Operation::kGetBucketVersioning:
      return "s3:GetBucketVersioning";
    case S3Operation::kGetBucketAcl:
      return "s3:GetBucketAcl";
    case S3Operation::kPutBucketAcl:
      return "s3:PutBucketAcl";
    case S3Operation::kListObjects:
      return "s3:ListBucket";
    case S3Operation::kListObjectsV2:
      return "s3:ListBucket";
    case S3Operation::kListMultipartUploads:
      return "s3:ListBucketMultipartUploads";
    case S3Operation::kPutBucketCors:
      return "s3:PutBucketCORS";
    case S3Operation::kGetBucketCors:
      return "s3:GetBucketCORS";
    case S3Operation::kDeleteBucketCors:
      return "s3:PutBucketCORS";
    case S3Operation::kPutBucketLifecycle:
      return "s3:PutLifecycleConfiguration";
    case S3Operation::kGetBucketLifecycle:
      return "s3:GetLifecycleConfiguration";
    case S3Operation::kDeleteBucketLifecycle:
      return "s3:PutLifecycleConfiguration";
    case S3Operation::kDeleteObjects:
      return "s3:DeleteObject";
    case S3Operation::kPostObject:
      return "s3:PutObject";
    case S3Operation::kPutObject:
      return "s3:PutObject";
    case S3Operation::kCopyObject:
      return "s3:PutObject";
    case S3Operation::kGetObject:
      return "s3:GetObject";
    case S3Operation::kHeadObject:
      return "s3:GetObject";
    case S3Operation::kDeleteObject:
      return "s3:DeleteObject";
    case S3Operation::kGetObjectAcl:
      return "s3:GetObjectAcl";
    case S3Operation::kCreateMultipartUpload:
      return "s3:PutObject";
    case S3Operation::kUploadPart:
      return "s3:PutObject";
    case S3Operation::kUploadPartCopy:
      return "s3:PutObject";
    case S3Operation::kCompleteMultipartUpload:
      return "s3:PutObject";
    case S3Operation::kAbortMultipartUpload:
      return "s3:AbortMultipartUpload";
    case S3Operation::kListParts:
      return "s3:ListMultipartUploadParts";
    case S3Operation::kPreflight:
      return "";
  }
  return "";
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
  switch (op) {
    case S3Operation::kPutObject:
    case S3Operation::kCopyObject:
    case S3Operation::kGetObject:
    case S3Operation::kHeadObject:
    case S3Operation::kDeleteObject:
    case S3Operation::kGetObjectAcl:
    case S3Operation::kCreateMultipartUpload:
    case S3Operation::kUploadPart:
    case S3Operation::kUploadPartCopy:
    case S3Operation::kCompleteMultipartUpload:
    case S3Operation::kAbortMultipartUpload:
    case S3Operation::kListParts:
    case S3Operation::kPostObject:
      return true;
    default:
      return false;
  }
}

}  // namespace upgate::store
