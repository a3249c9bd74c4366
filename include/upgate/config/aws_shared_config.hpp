// upgate::config::load_aws_profile: one profile of the AWS shared credentials and config
// files, resolved the way the AWS CLI and SDKs do.
//
// Files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) and AWS_CONFIG_FILE
// (default ~/.aws/config). The profile is `[name]` in the credentials file and
// `[profile name]` (or `[default]`) in the config file; credentials-file values win.
// Read: aws_access_key_id, aws_secret_access_key, aws_session_token, credential_process,
// region, endpoint_url, and the `s3 =` sub-section's endpoint_url and addressing_style.
//
// A missing file is not an error (most machines have none). A profile that was asked for
// by name (AWS_PROFILE, --aws-profile) and exists in neither file is. So is a profile
// without static keys that names a credential source upgate does not implement (role_arn,
// sso_*, web_identity_token_file, credential_source), even beside a credential_process:
// the AWS tools would use that source first, so upgate would sign as someone else. The
// message says to export keys or use a credential_process instead.
// The files are read with a size bound and parsed as hostile input (ini_file.hpp); no
// error message quotes their content.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "upgate/config/config_error.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/expected.hpp"
#include "upgate/sigv4/secret.hpp"

namespace upgate::config {

struct AwsProfileSettings {
  std::string name;  // the profile that was resolved
  bool found = false;

  std::optional<std::string> access_key_id;
  std::optional<sigv4::SecretKey> secret_access_key;
  std::optional<std::string> session_token;
  std::optional<std::string> credential_process;  // the command line, not yet split
  std::optional<std::string> region;
  std::optional<std::string> endpoint_url;      // s3.endpoint_url wins over endpoint_url
  std::optional<std::string> addressing_style;  // "path", "virtual", "auto"
};

// Where the two files are: AWS_SHARED_CREDENTIALS_FILE (else $HOME/.aws/credentials) and
// AWS_CONFIG_FILE (else $HOME/.aws/config).
struct AwsSharedFiles {
  std::string credentials;
  std::string config;
};
AwsSharedFiles aws_shared_files(const Environment& env);

// `profile` empty: AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default". A name given
// here or in those variables must exist; "default" may be absent.
Expected<AwsProfileSettings, ConfigError> load_aws_profile(const Environment& env,
                                                           std::string_view profile = {});

// Reads a whole file of at most max_bytes. nullopt when it does not exist; an error when
// it cannot be read, is not a regular file or is larger. `field` names it in errors.
Expected<std::optional<std::string>, ConfigError> read_bounded_file(const std::string& path,
                                                                    std::size_t max_bytes,
                                                                    std::string_view field);

}  // namespace upgate::config
