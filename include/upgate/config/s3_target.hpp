// upgate::config::S3Target: where presigned URLs point and what signs them.
//
// resolve_s3_target() merges, highest precedence first:
//   explicit settings (flags, UPGATE_* variables, upgate.toml, already merged by the caller)
//   > AWS_* environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//     AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 /
//     AWS_ENDPOINT_URL, AWS_S3_BUCKET_NAME, AWS_CA_BUNDLE)
//   > the AWS shared files' profile (aws_shared_config.hpp)
//   > defaults: region us-east-1, bucket "uploads", and with no endpoint anywhere the
//     embedded store at http://127.0.0.1:9000.
// A custom endpoint is path-style unless the settings or the profile's
// addressing_style say virtual. Credentials come from the first source of the standard
// order that has some (aws_credentials.hpp: the environment's pair, else the profile's
// keys, else its credential_process, run once here), never mixed; the chain that found
// them is kept so `upgate serve` can ask it again before they expire.
//
// Credentials may be absent only for the embedded store (its owner then provides them);
// for any other endpoint their absence is a ConfigError naming AWS_ACCESS_KEY_ID.
//
// Commands that take the bucket from each call (`upgate presign s3://BUCKET/KEY`) set
// resolve_bucket = false: the bucket is then neither read (AWS_S3_BUCKET_NAME) nor checked,
// and the target's bucket is left empty.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "upgate/config/aws_credentials.hpp"
#include "upgate/config/config_error.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/config/first_source.hpp"
#include "upgate/expected.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/presign.hpp"

namespace upgate::config {

inline constexpr std::string_view kEmbeddedStoreEndpoint = "http://127.0.0.1:9000";
inline constexpr std::string_view kDefaultBucket = "uploads";
inline constexpr std::string_view kDefaultRegion = "us-east-1";

// Values already chosen by a higher-precedence source, each with the name of the source
// it came from so an error can blame it ("s3.endpoint", "--endpoint", "UPGATE_S3_ENDPOINT").
struct S3Settings {
  std::optional<Sourced<std::string>> endpoint;
  std::optional<Sourced<std::string>> region;
  std::optional<Sourced<std::string>> bucket;
  std::optional<bool> path_style;
  std::optional<std::string> aws_profile;  // overrides AWS_PROFILE
  bool resolve_bucket = true;
};

struct S3Target {
  sigv4::S3Endpoint endpoint;
  std::string endpoint_url;  // as configured, for logs ("http://127.0.0.1:9000")
  bool embedded = false;     // no endpoint configured: the in-process store
  std::string region;
  std::string bucket;              // empty when !S3Settings::resolve_bucket
  sigv4::Credentials credentials;  // may be invalid() only when embedded
  std::string credentials_source;  // "environment", "profile default", "none"
  std::optional<std::chrono::sys_seconds> credentials_expiration;  // nullopt: long-term
  // The chain that found `credentials`; null when none were found.
  std::shared_ptr<CredentialsProvider> credentials_provider;
  // What upgate's own calls to the endpoint (multipart, completion checks) trust for TLS:
  // a PEM bundle, from AWS_CA_BUNDLE (or, for the embedded store over TLS, the store's own
  // certificate chain); empty: the system's CA store.
  std::string ca_file;
  // Where upgate's own calls connect ("127.0.0.1:9443"), whatever host the URLs name; empty:
  // the named host. Set for the embedded store, whose BUCKET.DOMAIN may not resolve to this
  // machine from the machine itself. The certificate is still verified for the named host.
  std::string connect_to;
};

Expected<S3Target, ConfigError> resolve_s3_target(const Environment& env,
                                                  const S3Settings& settings);

// A bucket upgate may send requests to: s3::validate_bucket_name_syntax (S3's rules
// without the reserved prefixes and suffixes, so access point aliases pass), else a
// ConfigError blaming `field` ("s3.bucket", "--bucket", "AWS_S3_BUCKET_NAME").
Expected<void, ConfigError> check_bucket_name(std::string_view name, std::string_view field);
// A region name: 1-32 of [a-z0-9-].
bool valid_region_name(std::string_view name);

}  // namespace upgate::config
