// A bucket's CORS configuration through the S3 API: PutBucketCors, GetBucketCors and
// DeleteBucketCors, against AWS, Ceph RGW, the embedded store or any S3-compatible server.
//
// - put_bucket_cors validates the configuration first (s3::validate_cors_configuration,
//   nothing is sent when it fails: a kRequest error), then PUTs ?cors with S3's
//   <CORSConfiguration> document (s3::cors_to_xml), Content-Type application/xml and the
//   Content-MD5 that S3 requires for this call.
// - get_bucket_cors answers std::nullopt when the bucket has no CORS configuration (S3's
//   404 NoSuchCORSConfiguration); a document that does not parse or validate as S3's CORS
//   schema (s3::parse_cors_configuration_xml) is a kResponse error naming the problem.
// - delete_bucket_cors succeeds whether or not the bucket had a configuration, as S3 does.
#pragma once

#include <optional>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3/cors.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::s3client {

Expected<void, ClientError> put_bucket_cors(const S3Client& client, std::string_view bucket,
                                            const s3::CorsConfiguration& configuration);

Expected<std::optional<s3::CorsConfiguration>, ClientError> get_bucket_cors(
    const S3Client& client, std::string_view bucket);

Expected<void, ClientError> delete_bucket_cors(const S3Client& client, std::string_view bucket);

}  // namespace upgate::s3client
