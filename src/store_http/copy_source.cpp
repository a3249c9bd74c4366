// x-amz-copy-source and its conditions.
#include "copy_source.hpp"

#include "upgate/s3/naming.hpp"

namespace upgate::store {

Expected<CopySource, s3::S3Error> parse_copy_source(std::string_view value) {
  auto invalid = [](std::string why) {
    return Unexpected(s3::invalid_argument("Copy Source must mention the source bucket and key: "
                                           "sourcebucket/sourcekey",
                                           "x-amz-copy-source", "")
                          .because(std::move(why)));
  };
  const std::size_t q = value.find('?');
  if (q != std::string_view::npos) {
    if (value.substr(q + 1) != "versionId=null") {
      return Unexpected(s3::make_error(s3::ErrorCode::NotImplemented)
                            .because("copy source versions are not supported"));
    }
    value = value.substr(0, q);
  }
  if (value.starts_with('/')) value.remove_prefix(1);
  auto decoded = s3::percent_decode(value);
  if (!decoded) return invalid("copy source is not URL-encoded correctly");
  const std::size_t slash = decoded->find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == decoded->size()) {
    return invalid("copy source without bucket and key");
  }
  CopySource out{decoded->substr(0, slash), decoded->substr(slash + 1)};
  if (auto ok = s3::validate_bucket_name(out.bucket); !ok) return Unexpected(std::move(ok).error());
  if (auto ok = s3::validate_object_key(out.key); !ok) return Unexpected(std::move(ok).error());
  return out;
}

s3::ConditionalHeaders copy_source_conditions(const S3Request& r) {
  s3::ConditionalHeaders out;
  out.if_match = r.header_string("x-amz-copy-source-if-match");
  out.if_none_match = r.header_string("x-amz-copy-source-if-none-match");
  out.if_modified_since = r.header_string("x-amz-copy-source-if-modified-since");
  out.if_unmodified_since = r.header_string("x-amz-copy-source-if-unmodified-since");
  return out;
}

}  // namespace upgate::store
