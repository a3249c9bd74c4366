// StoreError -> S3Error: the engine says what went wrong in its own terms (StoreErrc), and
// this is the one place that says which S3 error answers it.
#include "engine_refusal.hpp"

#include <iterator>

#include "upgate/enum_names.hpp"

namespace upgate::store {
namespace {

using s3::ErrorCode;

struct RefusalRow {
  StoreErrc value;
  ErrorCode code;
};

constexpr RefusalRow kRefusals[] = {
    {StoreErrc::kInvalidBucketName, ErrorCode::InvalidBucketName},
    {StoreErrc::kNoSuchBucket, ErrorCode::NoSuchBucket},
    {StoreErrc::kBucketAlreadyOwnedByYou, ErrorCode::BucketAlreadyOwnedByYou},
    {StoreErrc::kBucketNotEmpty, ErrorCode::BucketNotEmpty},
    {StoreErrc::kNoSuchCORSConfiguration, ErrorCode::NoSuchCORSConfiguration},
    {StoreErrc::kNoSuchLifecycleConfiguration, ErrorCode::NoSuchLifecycleConfiguration},
    {StoreErrc::kNoSuchKey, ErrorCode::NoSuchKey},
    {StoreErrc::kKeyTooLong, ErrorCode::KeyTooLongError},
    {StoreErrc::kInvalidObjectKey, ErrorCode::InvalidArgument},
    {StoreErrc::kMetadataTooLarge, ErrorCode::MetadataTooLarge},
    {StoreErrc::kPreconditionFailed, ErrorCode::PreconditionFailed},
    {StoreErrc::kNoSuchUpload, ErrorCode::NoSuchUpload},
    {StoreErrc::kInvalidPart, ErrorCode::InvalidPart},
    {StoreErrc::kInvalidPartOrder, ErrorCode::InvalidPartOrder},
    {StoreErrc::kEntityTooSmall, ErrorCode::EntityTooSmall},
    {StoreErrc::kEntityTooLarge, ErrorCode::EntityTooLarge},
    {StoreErrc::kInvalidArgument, ErrorCode::InvalidArgument},
    {StoreErrc::kInvalidRequest, ErrorCode::InvalidRequest},
    {StoreErrc::kServiceUnavailable, ErrorCode::ServiceUnavailable},
    {StoreErrc::kInternalError, ErrorCode::InternalError},
};
static_assert(each_value_once(kRefusals));
static_assert(std::size(kRefusals) == static_cast<std::size_t>(StoreErrc::kInternalError) + 1);

}  // namespace

s3::S3Error to_s3_error(const StoreError& error, std::string_view bucket, std::string_view key) {
  switch (error.code) {
    case StoreErrc::kNoSuchBucket:
      return s3::no_such_bucket(bucket).because(error.message);
    case StoreErrc::kNoSuchKey:
      return s3::no_such_key(key).because(error.message);
    case StoreErrc::kNoSuchCORSConfiguration:
      return s3::no_such_cors_configuration(bucket).because(error.message);
    case StoreErrc::kNoSuchLifecycleConfiguration:
      return s3::no_such_lifecycle_configuration(bucket).because(error.message);
    case StoreErrc::kInternalError:
      // The engine's message may name files; S3's generic text goes out.
      return s3::make_error(ErrorCode::InternalError).because(error.message);
    default: {
      const RefusalRow* row = row_of(kRefusals, error.code);
      return s3::make_error(row ? row->code : ErrorCode::InternalError, error.message)
          .because(error.message);
    }
  }
}

}  // namespace upgate::store
