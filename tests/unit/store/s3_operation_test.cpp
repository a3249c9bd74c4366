#include "store_http/s3_operation.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace upgate::store {
namespace {

using s3::ErrorCode;

struct Case {
  const char* method;
  bool bucket;
  bool key;
  std::vector<sigv4::QueryParam> query;
  bool copy_source = false;
  bool form = false;
};

Expected<S3Operation, s3::S3Error> run(const Case& c) {
  RequestShape shape;
  shape.method = c.method;
  shape.has_bucket = c.bucket;
  shape.has_key = c.key;
  shape.query = c.query;
  shape.has_copy_source = c.copy_source;
  shape.is_form_post = c.form;
  return classify(shape);
}

S3Operation op(const Case& c) {
  auto r = run(c);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().reason);
  return r ? *r : S3Operation::kPreflight;
}

ErrorCode refusal(const Case& c) {
  auto r = run(c);
  EXPECT_FALSE(r.has_value());
  return r ? ErrorCode::InternalError : r.error().code;
}

TEST(S3OperationTest, ServiceAndBucketOperations) {
  EXPECT_EQ(op({"GET", false, false, {}}), S3Operation::kListBuckets);
  EXPECT_EQ(op({"PUT", true, false, {}}), S3Operation::kCreateBucket);
  EXPECT_EQ(op({"HEAD", true, false, {}}), S3Operation::kHeadBucket);
  EXPECT_EQ(op({"DELETE", true, false, {}}), S3Operation::kDeleteBucket);
  EXPECT_EQ(op({"GET", true, false, {}}), S3Operation::kListObjects);
  EXPECT_EQ(op({"GET", true, false, {{"list-type", "2"}}}), S3Operation::kListObjectsV2);
  EXPECT_EQ(op({"GET", true, false, {{"location", ""}}}), S3Operation::kGetBucketLocation);
  EXPECT_EQ(op({"GET", true, false, {{"uploads", ""}}}), S3Operation::kListMultipartUploads);
  EXPECT_EQ(op({"PUT", true, false, {{"cors", ""}}}), S3Operation::kPutBucketCors);
  EXPECT_EQ(op({"GET", true, false, {{"cors", ""}}}), S3Operation::kGetBucketCors);
  EXPECT_EQ(op({"DELETE", true, false, {{"cors", ""}}}), S3Operation::kDeleteBucketCors);
  EXPECT_EQ(op({"POST", true, false, {{"delete", ""}}}), S3Operation::kDeleteObjects);
  EXPECT_EQ(op({"POST", true, false, {}, false, true}), S3Operation::kPostObject);
  EXPECT_EQ(op({"OPTIONS", true, true, {}}), S3Operation::kPreflight);
}

TEST(S3OperationTest, ObjectOperations) {
  EXPECT_EQ(op({"PUT", true, true, {}}), S3Operation::kPutObject);
  EXPECT_EQ(op({"PUT", true, true, {}, true}), S3Operation::kCopyObject);
  EXPECT_EQ(op({"GET", true, true, {}}), S3Operation::kGetObject);
  EXPECT_EQ(op({"HEAD", true, true, {}}), S3Operation::kHeadObject);
  EXPECT_EQ(op({"DELETE", true, true, {}}), S3Operation::kDeleteObject);
  EXPECT_EQ(op({"POST", true, true, {{"uploads", ""}}}), S3Operation::kCreateMultipartUpload);
  EXPECT_EQ(op({"PUT", true, true, {{"partNumber", "1"}, {"uploadId", "u"}}}),
            S3Operation::kUploadPart);
  EXPECT_EQ(op({"PUT", true, true, {{"partNumber", "1"}, {"uploadId", "u"}}, true}),
            S3Operation::kUploadPartCopy);
  EXPECT_EQ(op({"POST", true, true, {{"uploadId", "u"}}}), S3Operation::kCompleteMultipartUpload);
  EXPECT_EQ(op({"DELETE", true, true, {{"uploadId", "u"}}}), S3Operation::kAbortMultipartUpload);
  EXPECT_EQ(op({"GET", true, true, {{"uploadId", "u"}}}), S3Operation::kListParts);
  // Presigned-URL parameters and response overrides do not change the operation.
  EXPECT_EQ(op({"GET", true, true, {{"X-Amz-Signature", "x"}, {"response-content-type", "a"}}}),
            S3Operation::kGetObject);
}

TEST(S3OperationTest, RefusesWhatNoOperationTakes) {
  EXPECT_EQ(refusal({"POST", false, false, {}}), ErrorCode::MethodNotAllowed);
  EXPECT_EQ(refusal({"PATCH", true, true, {}}), ErrorCode::MethodNotAllowed);
  EXPECT_EQ(refusal({"POST", true, true, {}}), ErrorCode::MethodNotAllowed);
  EXPECT_EQ(refusal({"POST", true, false, {}}), ErrorCode::RequestIsNotMultiPartContent);
  EXPECT_EQ(refusal({"GET", true, true, {{"tagging", ""}}}), ErrorCode::NotImplemented);
  EXPECT_EQ(refusal({"PUT", true, false, {{"policy", ""}}}), ErrorCode::NotImplemented);
  EXPECT_EQ(refusal({"PUT", true, true, {{"partNumber", "1"}}}), ErrorCode::InvalidRequest);
  EXPECT_EQ(refusal({"OPTIONS", false, false, {}}), ErrorCode::MethodNotAllowed);
}

TEST(S3OperationTest, IamActions) {
  EXPECT_EQ(iam_action(S3Operation::kPutObject), "s3:PutObject");
  EXPECT_EQ(iam_action(S3Operation::kUploadPart), "s3:PutObject");
  EXPECT_EQ(iam_action(S3Operation::kHeadObject), "s3:GetObject");
  EXPECT_EQ(iam_action(S3Operation::kListObjectsV2), "s3:ListBucket");
  EXPECT_EQ(iam_action(S3Operation::kDeleteBucketCors), "s3:PutBucketCORS");
  EXPECT_TRUE(targets_object(S3Operation::kGetObject));
  EXPECT_FALSE(targets_object(S3Operation::kListObjectsV2));
}

}  // namespace
}  // namespace upgate::store
