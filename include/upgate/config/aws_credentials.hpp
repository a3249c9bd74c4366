// upgate::config::AwsCredentials: credentials as one source handed them out, with the
// instant they stop working; CredentialsProvider: a source that can be asked again.
//
// Credentials without an expiration are long-term (an IAM user's keys). Credentials with
// one are temporary (a role session, SSO, aws-vault, a credential_process): S3 refuses
// every request signed with them after that instant, presigned URLs included, whatever
// the URL's own X-Amz-Expires says. cap_url_lifetime() applies that to a URL's lifetime.
//
// The standard order (DefaultCredentialsChain), as the AWS SDKs resolve it, limited to
// the sources upgate implements:
//   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, and
//      AWS_CREDENTIAL_EXPIRATION as `aws configure export-credentials --format env` writes);
//   2. the profile of the shared files (aws_shared_config.hpp): its static keys
//      (aws_access_key_id, aws_secret_access_key, aws_session_token), else its
//      credential_process (credential_process.hpp).
// A source either supplies a complete pair or nothing; a half pair is an error, never a
// fall-through to the next source. Credentials already expired are an error too.
//
// Every error is a ConfigError naming the variable or the profile's setting; none quotes
// a secret, a session token or a credential process's output.
#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/config/config_error.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/expected.hpp"
#include "upgate/sigv4/credentials.hpp"

namespace upgate::config {

struct AwsCredentials {
  sigv4::Credentials credentials;                      // session_token is "" for long-term keys
  std::optional<std::chrono::sys_seconds> expiration;  // nullopt: they do not expire
  std::string source;  // for logs: "environment", "profile work", "profile work credential_process"
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // Resolves credentials now; may block (reads files, runs a process). `now` judges
  // expiry; `stop` abandons a running credential process (shutdown).
  virtual Expected<AwsCredentials, ConfigError> resolve(std::chrono::sys_seconds now,
                                                        std::stop_token stop = {}) = 0;

  // Files whose change may change what resolve() returns (they may not exist yet).
  virtual std::vector<std::string> watched_files() const = 0;

  // True when resolve() can only ever answer what it answered first (the environment's
  // keys): there is nothing to refresh, even as they expire.
  virtual bool fixed() const { return false; }
};

// The standard order above for one profile (empty: AWS_PROFILE, AWS_DEFAULT_PROFILE,
// "default"). The environment is read at construction and never again; the shared files
// and the credential process are consulted at every resolve().
class DefaultCredentialsChain final : public CredentialsProvider {
 public:
  DefaultCredentialsChain(Environment env, std::string profile);

  // nullopt when no source offers credentials (allowed for the embedded store only).
  Expected<std::optional<AwsCredentials>, ConfigError> find(std::chrono::sys_seconds now,
                                                            std::stop_token stop = {}) const;

  // find(), with "no credentials" as an error naming AWS_ACCESS_KEY_ID.
  Expected<AwsCredentials, ConfigError> resolve(std::chrono::sys_seconds now,
                                                std::stop_token stop = {}) override;
  // None when the environment supplies the keys (it cannot change), else the two files.
  std::vector<std::string> watched_files() const override;
  bool fixed() const override { return from_environment_; }

 private:
  Environment env_;
  std::string profile_;
  bool from_environment_ = false;
};

// An RFC 3339 time as the AWS tools write expirations: 2024-05-26T12:34:56Z, with optional
// fractional seconds (dropped: the result is never later than the text) and Z or a
// +HH:MM / -HH:MM offset. Anything else, or more than 64 bytes, is nullopt.
std::optional<std::chrono::sys_seconds> parse_credentials_expiration(std::string_view text);

// Checks what S3 needs of credentials that go into URLs and headers: printable ASCII
// without spaces, an access key id of at most 128 bytes, a secret and a token of at most
// 4096. The error names the offending one of the three fields given, never its value.
Expected<void, ConfigError> check_credentials(const sigv4::Credentials& credentials,
                                              std::string_view access_key_field,
                                              std::string_view secret_field,
                                              std::string_view token_field);

// The lifetime a URL signed at `now` may be given: `requested` when the credentials last
// that long; else what remains of them, if that is at least `minimum`; else nullopt, so
// no URL is handed out that dies in flight.
std::optional<std::chrono::seconds> cap_url_lifetime(
    std::chrono::seconds requested, std::optional<std::chrono::sys_seconds> expiration,
    std::chrono::sys_seconds now, std::chrono::seconds minimum);

// A URL is not worth handing out for less than this (a browser must still reach S3).
inline constexpr std::chrono::seconds kMinUsefulUrlLifetime{30};

}  // namespace upgate::config
