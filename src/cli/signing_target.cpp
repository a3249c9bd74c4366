// The s3:// argument, the signing flags, and where a signing command's URLs point.
#include "signing_target.hpp"

#include <CLI/CLI.hpp>

#include <chrono>

#include "upgate/config/s3_target.hpp"

namespace upgate::cli {

Expected<S3Location, UsageError> parse_s3_location(std::string_view text) {
  constexpr std::string_view scheme = "s3://";
  if (text.substr(0, scheme.size()) != scheme) {
    return usage_error("expected s3://BUCKET/KEY, got '" + std::string(text) + "'");
  }
  text.remove_prefix(scheme.size());
  const auto slash = text.find('/');
  S3Location out;
  out.bucket = std::string(text.substr(0, slash));
  if (slash != std::string_view::npos) out.key = std::string(text.substr(slash + 1));
  if (out.bucket.empty()) return usage_error("s3:// URL has no bucket");
  return out;
}

void add_signing_flags(CLI::App& command, SigningFlags& flags) {
  command.add_option("--region", flags.region, "signing region");
  command.add_option("--endpoint", flags.endpoint, "S3 endpoint URL, e.g. http://127.0.0.1:9000");
  command.add_option("--aws-profile", flags.aws_profile,
                     "profile of the AWS shared files (instead of AWS_PROFILE)");
  auto* path = command.add_flag("--path-style", flags.path_style,
                                "https://host/BUCKET/KEY instead of https://BUCKET.host/KEY");
  command
      .add_flag("--virtual-hosted", flags.virtual_hosted,
                "with a custom endpoint: BUCKET.host instead of host/BUCKET")
      ->excludes(path);
  command.add_option("--date", flags.date, "signing time YYYYMMDDTHHMMSSZ (reproducible output)");
}

Expected<SigningTarget, UsageError> resolve_signing_target(const config::Environment& env,
                                                           const SigningFlags& flags) {
  config::S3Settings settings;
  settings.resolve_bucket = false;
  settings.endpoint = config::first_of(config::from(flags.endpoint, "--endpoint"));
  settings.region = config::first_of(config::from(flags.region, "--region"));
  settings.aws_profile = flags.aws_profile;
  if (flags.path_style) settings.path_style = true;
  if (flags.virtual_hosted) settings.path_style = false;

  auto resolved = config::resolve_s3_target(env, settings);
  if (!resolved) return usage_error(resolved.error().describe());
  if (!resolved->credentials.valid()) {
    return usage_error(
        "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE");
  }

  SigningTarget target;
  target.region = std::move(resolved->region);
  target.credentials = std::move(resolved->credentials);
  if (resolved->embedded) {
    // No endpoint anywhere: these commands sign for AWS, not for serve's embedded store.
    target.endpoint = sigv4::S3Endpoint::aws(target.region);
    target.endpoint.path_style = flags.path_style;
  } else {
    target.endpoint = std::move(resolved->endpoint);
  }
  return target;
}

Expected<sigv4::Timestamp, UsageError> signing_time(const SigningFlags& flags) {
  if (flags.date.empty()) {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  auto parsed = sigv4::parse_amz_date(flags.date);
  if (!parsed) return usage_error("bad --date '" + flags.date + "': expected YYYYMMDDTHHMMSSZ");
  return *parsed;
}

}  // namespace upgate::cli
