#include "upgate/s3client/bucket_cors.hpp"

#include "bucket_document.hpp"
#include "upgate/s3/xml_requests.hpp"

namespace upgate::s3client {
namespace {

S3Call cors_call(std::string operation, std::string method, std::string_view bucket) {
  return bucket_document::call(std::move(operation), std::move(method), bucket, "cors");
}

}  // namespace

Expected<void, ClientError> put_bucket_cors(const S3Client& client, std::string_view bucket,
                                            const s3::CorsConfiguration& configuration) {
  const auto valid = s3::validate_cors_configuration(configuration);
  return bucket_document::put(client, cors_call("PutBucketCors", "PUT", bucket), valid,
                              "CORS configuration", valid ? s3::cors_to_xml(configuration) : "");
}

Expected<std::optional<s3::CorsConfiguration>, ClientError> get_bucket_cors(
    const S3Client& client, std::string_view bucket) {
  const S3Call call = cors_call("GetBucketCors", "GET", bucket);
  auto response = bucket_document::get(client, call, "NoSuchCORSConfiguration");
  if (!response) return Unexpected(std::move(response).error());
  if (!*response) return std::optional<s3::CorsConfiguration>();
  auto configuration = s3::parse_cors_configuration_xml((*response)->body);
  if (!configuration) {
    return Unexpected(bucket_document::unusable(call, **response, "its CORS document is not S3's",
                                                configuration.error()));
  }
  return std::optional<s3::CorsConfiguration>(std::move(*configuration));
}

Expected<void, ClientError> delete_bucket_cors(const S3Client& client, std::string_view bucket) {
  return bucket_document::remove(client, cors_call("DeleteBucketCors", "DELETE", bucket));
}

}  // namespace upgate::s3client
