// A bucket's lifecycle configuration through the S3 API: PutBucketLifecycleConfiguration,
// GetBucketLifecycleConfiguration and DeleteBucketLifecycle, against AWS, Ceph RGW, the
// embedded store or any S3-compatible server.
//
// - put_bucket_lifecycle validates the configuration first
//   (s3::validate_lifecycle_configuration; nothing is sent when it fails: a kRequest error),
//   then PUTs ?lifecycle with S3's <LifecycleConfiguration> document
//   (s3::lifecycle_to_xml), Content-Type application/xml and the Content-MD5 S3 requires.
//   It replaces the bucket's whole configuration, as S3's call does.
// - get_bucket_lifecycle answers std::nullopt when the bucket has none (S3's 404
//   NoSuchLifecycleConfiguration). Rules beyond upgate's subset (s3/lifecycle.hpp:
//   transitions, tag filters, ... as AWS and RGW buckets have them) come back as they were
//   sent (s3::ForeignLifecycleRule), beside the subset's parsed ones; only a document that
//   is not S3's lifecycle schema is a kResponse error.
// - delete_bucket_lifecycle succeeds whether or not the bucket had one, as S3 does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3/lifecycle.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::s3client {

Expected<void, ClientError> put_bucket_lifecycle(const S3Client& client, std::string_view bucket,
                                                 const s3::LifecycleConfiguration& configuration);

Expected<std::optional<s3::LifecycleDocument>, ClientError> get_bucket_lifecycle(
    const S3Client& client, std::string_view bucket);

Expected<void, ClientError> delete_bucket_lifecycle(const S3Client& client,
                                                    std::string_view bucket);

}  // namespace upgate::s3client
