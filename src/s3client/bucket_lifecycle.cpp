#include "upgate/s3client/bucket_lifecycle.hpp"

#include "bucket_document.hpp"
#include "upgate/s3/xml_requests.hpp"

namespace upgate::s3client {
namespace {

S3Call lifecycle_call(std::string operation, std::string method, std::string_view bucket) {
  return bucket_document::call(std::move(operation), std::move(method), bucket, "lifecycle");
}

}  // namespace

Expected<void, ClientError> put_bucket_lifecycle(const S3Client& client, std::string_view bucket,
                                                 const s3::LifecycleConfiguration& configuration) {
  const auto valid = s3::validate_lifecycle_configuration(configuration);
  return bucket_document::put(
      client, lifecycle_call("PutBucketLifecycleConfiguration", "PUT", bucket), valid,
      "lifecycle configuration", valid ? s3::lifecycle_to_xml(configuration) : "");
}

Expected<std::optional<s3::LifecycleDocument>, ClientError> get_bucket_lifecycle(
    const S3Client& client, std::string_view bucket) {
  const S3Call call = lifecycle_call("GetBucketLifecycleConfiguration", "GET", bucket);
  auto response = bucket_document::get(client, call, "NoSuchLifecycleConfiguration");
  if (!response) return Unexpected(std::move(response).error());
  if (!*response) return std::optional<s3::LifecycleDocument>();
  auto document = s3::parse_lifecycle_document_xml((*response)->body);
  if (!document) {
    return Unexpected(bucket_document::unusable(
        call, **response, "its lifecycle document is not one of S3's", document.error()));
  }
  return std::optional<s3::LifecycleDocument>(std::move(*document));
}

Expected<void, ClientError> delete_bucket_lifecycle(const S3Client& client,
                                                    std::string_view bucket) {
  return bucket_document::remove(client, lifecycle_call("DeleteBucketLifecycle", "DELETE", bucket));
}

}  // namespace upgate::s3client
