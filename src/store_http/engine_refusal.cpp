// StoreError -> S3Error.
#include "engine_refusal.hpp"

namespace upgate::store {

s3::S3Error to_s3_error(const StoreError& error, std::string_view bucket, std::string_view key) {
  using s3::ErrorCode;
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
      const auto code = s3::error_code_from_name(s3_error_code(error.code));
      return s3::make_error(code.value_or(ErrorCode::InternalError), error.message)
          .because(error.message);
    }
  }
}

}  // namespace upgate::store
