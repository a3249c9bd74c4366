// What the signing commands (`upgate presign`, `upgate presign-post`) share: the
// s3://BUCKET/KEY argument, the flags that say where URLs point and when they are
// signed, and the resolution of endpoint, region and credentials.
//
// resolve_signing_target() goes through config::resolve_s3_target, as `upgate serve`
// does, so the flags beat AWS_* variables, which beat the AWS shared files' profile
// (AWS_PROFILE, --aws-profile). Two differences from serve, both because these
// commands sign for a URL the user names rather than run a service:
//  - with no endpoint anywhere the URL is AWS's regional one (https://BUCKET.s3.REGION
//    .amazonaws.com, or path-style with --path-style), not the embedded store;
//  - the bucket comes from the s3:// argument and is checked only for being non-empty
//    (the signer's own rule), so AWS_S3_BUCKET_NAME plays no part.
// Every failure is a UsageError: one line that names the flag or variable at fault and
// never quotes a secret; the commands print it and exit with kExitUsage.
#pragma once

#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "commands.hpp"

#include "upgate/config/environment.hpp"
#include "upgate/expected.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/presign.hpp"

// Declared only: what adds the flags includes CLI11, whose cost (~10 s a source) the
// sources that merely use these types do not pay.
namespace CLI {
class App;
}  // namespace CLI

namespace upgate::cli {

struct UsageError {
  std::string message;
};

inline Unexpected<UsageError> usage_error(std::string message) {
  return Unexpected(UsageError{std::move(message)});
}

// What a signing command's steps give: a value, or the UsageError to print.
template <class T>
using Result = Expected<T, UsageError>;

// A signing command's callback: `run` gives the exit code, or a UsageError that is
// printed as "upgate <command>: <message>" and exits with kExitUsage.
template <class Run>
void run_signing_command(std::string_view command, int& exit_code, Run run) {
  auto result = run();
  if (result) {
    exit_code = *result;
    return;
  }
  std::cerr << "upgate " << command << ": " << result.error().message << '\n';
  exit_code = kExitUsage;
}

struct S3Location {
  std::string bucket;
  std::string key;  // as written, not encoded; may be empty ("s3://BUCKET", "s3://BUCKET/")
};

// "s3://BUCKET/KEY"; the bucket must be non-empty.
Expected<S3Location, UsageError> parse_s3_location(std::string_view text);

struct SigningFlags {
  std::optional<std::string> region;
  std::optional<std::string> endpoint;
  std::optional<std::string> aws_profile;
  bool path_style = false;
  bool virtual_hosted = false;
  std::string date;  // YYYYMMDDTHHMMSSZ; empty: now
};

// --region, --endpoint, --aws-profile, --path-style / --virtual-hosted, --date.
void add_signing_flags(CLI::App& command, SigningFlags& flags);

// The lines of a command's --help that say where these settings come from.
inline constexpr std::string_view kSigningSourcesHelp =
    "Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, else the\n"
    "profile of ~/.aws/credentials and ~/.aws/config named by --aws-profile, AWS_PROFILE\n"
    "or AWS_DEFAULT_PROFILE (default: default).\n"
    "Region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1.\n"
    "Endpoint: --endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url\n"
    "(path-style unless --virtual-hosted or the profile's addressing_style = virtual), else\n"
    "AWS's regional virtual-hosted endpoint.";

struct SigningTarget {
  sigv4::S3Endpoint endpoint;
  std::string region;
  sigv4::Credentials credentials;  // always valid()
};

Expected<SigningTarget, UsageError> resolve_signing_target(const config::Environment& env,
                                                           const SigningFlags& flags);

// flags.date parsed, or the current second when it is empty.
Expected<sigv4::Timestamp, UsageError> signing_time(const SigningFlags& flags);

}  // namespace upgate::cli
