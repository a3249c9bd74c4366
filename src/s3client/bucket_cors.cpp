#include "upgate/s3client/bucket_cors.hpp"
#include "upgate/s3client/error_response.hpp"

#include "upgate/s3/xml_requests.hpp"

namespace upgate::s3client {
namespace {

S3Call cors_call(std::string operation, std::string method, std::string_view bucket) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::string(bucket);
  call.query = {{"cors", ""}};
  return call;
}

std::string explain(const s3::S3Error& error) {
  return error.reason.empty() ? std::string(error.effective_message()) : error.reason;
}

}  // namespace

Expected<void, ClientError> put_bucket_cors(const S3Client& client, std::string_view bucket,
                                            const s3::CorsConfiguration& configuration) {
  S3Call call = cors_call("PutBucketCors", "PUT", bucket);
  if (auto valid = s3::validate_cors_configuration(configuration); !valid) {
    ClientError error;
    error.kind = ErrorKind::kRequest;
    error.operation = call.operation;
    error.message = "the CORS configuration is invalid: " + explain(valid.error());
    return Unexpected(std::move(error));
  }
  call.headers = {{"Content-Type", "application/xml"}};
  call.body = s3::cors_to_xml(configuration);
  call.content_md5 = true;
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

Expected<std::optional<s3::CorsConfiguration>, ClientError> get_bucket_cors(
    const S3Client& client, std::string_view bucket) {
  const S3Call call = cors_call("GetBucketCors", "GET", bucket);
  auto response = client.send(call);
  if (!response) {
    if (response.error().kind == ErrorKind::kS3 &&
        response.error().code == "NoSuchCORSConfiguration") {
      return std::optional<s3::CorsConfiguration>();
    }
    return Unexpected(std::move(response).error());
  }
  auto configuration = s3::parse_cors_configuration_xml(response->body);
  if (!configuration) {
    return Unexpected(unusable_response(
        call.operation, *response,
        "its CORS document is not S3's: " + printable(explain(configuration.error()), 256)));
  }
  return std::optional<s3::CorsConfiguration>(std::move(*configuration));
}

Expected<void, ClientError> delete_bucket_cors(const S3Client& client, std::string_view bucket) {
  auto response = client.send(cors_call("DeleteBucketCors", "DELETE", bucket));
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

}  // namespace upgate::s3client
