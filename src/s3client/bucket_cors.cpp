#include "upgate/s3client/bucket_cors.hpp"

#include "bucket_document.hpp"
#include "upgate/s3/xml_requests.hpp"

namespace upgate::s3client {
namespace {

constexpr bucket_document::Subresource kCors = {"cors",
                                                "PutBucketCors",
                                                "GetBucketCors",
                                                "DeleteBucketCors",
                                                "NoSuchCORSConfiguration",
                                                "CORS configuration"};

}  // namespace

Expected<void, ClientError> put_bucket_cors(const S3Client& client, std::string_view bucket,
                                            const s3::CorsConfiguration& configuration) {
  const auto valid = s3::validate_cors_configuration(configuration);
  return bucket_document::put(client, kCors, bucket, valid,
                              valid ? s3::cors_to_xml(configuration) : "");
}

Expected<std::optional<s3::CorsConfiguration>, ClientError> get_bucket_cors(
    const S3Client& client, std::string_view bucket) {
  return bucket_document::get(
      client, kCors, bucket,
      [](std::string_view body) { return s3::parse_cors_configuration_xml(body); },
      "its CORS document is not S3's");
}

Expected<void, ClientError> delete_bucket_cors(const S3Client& client, std::string_view bucket) {
  return bucket_document::remove(client, kCors, bucket);
}

}  // namespace upgate::s3client
