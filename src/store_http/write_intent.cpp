// The pre-body checks of every write of an object version.
#include "write_intent.hpp"

#include <string>

#include "object_headers.hpp"
#include "store/limits.hpp"

namespace upgate::store {

using s3::ErrorCode;

Expected<ObjectMetadata, s3::S3Error> object_metadata(const S3Request& r) {
  ObjectMetadata out{object_headers_from(r), user_metadata_from(r)};
  if (const std::size_t size = user_metadata_size(out.user_metadata);
      size > kMaxUserMetadataBytes) {
    return Unexpected(s3::make_error(ErrorCode::MetadataTooLarge)
                          .with("Size", std::to_string(size))
                          .with("MaxSizeAllowed", std::to_string(kMaxUserMetadataBytes)));
  }
  return out;
}

Expected<WriteIntent, s3::S3Error> write_intent(const S3Request& r) {
  const S3Operation op = r.operation.value_or(S3Operation::kPutObject);
  WriteIntent out;
  auto acl = canned_acl(r, false);
  if (!acl) return Unexpected(std::move(acl).error());
  out.acl = std::move(*acl);
  if (auto ok = check_storage_class(r); !ok) return Unexpected(std::move(ok).error());
  if (op == S3Operation::kPutObject || op == S3Operation::kCopyObject) {
    auto conditions =
        s3::parse_write_conditions(r.header_string("if-match"), r.header_string("if-none-match"));
    if (!conditions) return Unexpected(std::move(conditions).error());
    out.conditions = std::move(*conditions);
  }
  if (op == S3Operation::kCreateMultipartUpload) {
    if (const auto algorithm = r.header("x-amz-checksum-algorithm")) {
      out.checksum_algorithm = parse_checksum_algorithm(*algorithm);
      if (!out.checksum_algorithm) {
        return Unexpected(
            s3::make_error(ErrorCode::InvalidRequest,
                           "Checksum algorithm provided is unsupported. Please try again "
                           "with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]"));
      }
    }
  }
  if (op != S3Operation::kCopyObject) {
    auto metadata = object_metadata(r);
    if (!metadata) return Unexpected(std::move(metadata).error());
    out.metadata = std::move(*metadata);
  }
  return out;
}

}  // namespace upgate::store
