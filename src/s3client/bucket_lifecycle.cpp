#include "upgate/s3client/bucket_lifecycle.hpp"

#include "bucket_document.hpp"
#include "upgate/s3/xml_requests.hpp"

namespace upgate::s3client {
namespace {

constexpr bucket_document::Subresource kLifecycle = {"lifecycle",
                                                     "PutBucketLifecycleConfiguration",
                                                     "GetBucketLifecycleConfiguration",
                                                     "DeleteBucketLifecycle",
                                                     "NoSuchLifecycleConfiguration",
                                                     "lifecycle configuration"};

}  // namespace

Expected<void, ClientError> put_bucket_lifecycle(const S3Client& client, std::string_view bucket,
                                                 const s3::LifecycleConfiguration& configuration) {
  const auto valid = s3::validate_lifecycle_configuration(configuration);
  return bucket_document::put(client, kLifecycle, bucket, valid,
                              valid ? s3::lifecycle_to_xml(configuration) : "");
}

Expected<std::optional<s3::LifecycleDocument>, ClientError> get_bucket_lifecycle(
    const S3Client& client, std::string_view bucket) {
  return bucket_document::get(
      client, kLifecycle, bucket,
      [](std::string_view body) { return s3::parse_lifecycle_document_xml(body); },
      "its lifecycle document is not one of S3's");
}

Expected<void, ClientError> delete_bucket_lifecycle(const S3Client& client,
                                                    std::string_view bucket) {
  return bucket_document::remove(client, kLifecycle, bucket);
}

}  // namespace upgate::s3client
