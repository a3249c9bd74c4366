// [s3]: the S3 target, before the AWS_* variables and the AWS profile are consulted.
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_s3_table(const TomlTable& t, FileSettings& out) {
  S3Table& s3 = out.s3;
  KeyReader r(t, {"endpoint", "region", "bucket", "path_style", "aws_profile"});
  r.string("endpoint", s3.endpoint).string("region", s3.region).string("bucket", s3.bucket);
  r.boolean("path_style", s3.path_style);
  r.string("aws_profile", s3.aws_profile);
  // An empty string leaves the setting to the sources below the file.
  for (std::optional<std::string>* slot : {&s3.endpoint, &s3.region, &s3.bucket, &s3.aws_profile}) {
    if (*slot && (*slot)->empty()) slot->reset();
  }
  return r.result();
}

}  // namespace upgate::api
