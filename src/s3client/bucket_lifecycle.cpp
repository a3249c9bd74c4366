#include "upgate/s3client/bucket_lifecycle.hpp"

#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3client/error_response.hpp"

namespace upgate::s3client {
namespace {

S3Call lifecycle_call(std::string operation, std::string method, std::string_view bucket) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::string(bucket);
  call.query = {{"lifecycle", ""}};
  return call;
}

std::string explain(const s3::S3Error& error) {
  return error.reason.empty() ? std::string(error.effective_message()) : error.reason;
}

}  // namespace

Expected<void, ClientError> put_bucket_lifecycle(const S3Client& client, std::string_view bucket,
                                                 const s3::LifecycleConfiguration& configuration) {
  S3Call call = lifecycle_call("PutBucketLifecycleConfiguration", "PUT", bucket);
  if (auto valid = s3::validate_lifecycle_configuration(configuration); !valid) {
    ClientError error;
    error.kind = ErrorKind::kRequest;
    error.operation = call.operation;
    error.message = "the lifecycle configuration is invalid: " + explain(valid.error());
    return Unexpected(std::move(error));
  }
  call.headers = {{"Content-Type", "application/xml"}};
  call.body = s3::lifecycle_to_xml(configuration);
  call.content_md5 = true;
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

Expected<std::optional<s3::LifecycleDocument>, ClientError> get_bucket_lifecycle(
    const S3Client& client, std::string_view bucket) {
  const S3Call call = lifecycle_call("GetBucketLifecycleConfiguration", "GET", bucket);
  auto response = client.send(call);
  if (!response) {
    if (response.error().kind == ErrorKind::kS3 &&
        response.error().code == "NoSuchLifecycleConfiguration") {
      return std::optional<s3::LifecycleDocument>();
    }
    return Unexpected(std::move(response).error());
  }
  auto document = s3::parse_lifecycle_document_xml(response->body);
  if (!document) {
    return Unexpected(unusable_response(
        call.operation, *response,
        "its lifecycle document is not one of S3's: " + printable(explain(document.error()), 256)));
  }
  return std::optional<s3::LifecycleDocument>(std::move(*document));
}

Expected<void, ClientError> delete_bucket_lifecycle(const S3Client& client,
                                                    std::string_view bucket) {
  auto response = client.send(lifecycle_call("DeleteBucketLifecycle", "DELETE", bucket));
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

}  // namespace upgate::s3client
