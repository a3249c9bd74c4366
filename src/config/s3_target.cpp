// Merging the S3 settings with the AWS environment and shared files.
#include "upgate/config/s3_target.hpp"

#include <algorithm>

#include "upgate/config/aws_shared_config.hpp"
#include "upgate/config/first_source.hpp"
#include "upgate/s3/naming.hpp"

namespace upgate::config {
Expected<void, ConfigError> check_bucket_name(std::string_view name, std::string_view field) {
  if (s3::validate_bucket_name_syntax(name)) return {};
  return fail(std::string(field), "'" + std::string(name) +
                                      "' is not a valid S3 bucket name (3-63 characters: "
                                      "lower-case letters, digits, '.' and '-')");
}

bool valid_region_name(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Expected<S3Target, ConfigError> resolve_s3_target(const Environment& env,
                                                  const S3Settings& settings) {
  auto profile = load_aws_profile(env, settings.aws_profile.value_or(""));
  if (!profile) return Unexpected(profile.error());

  const std::string in_profile = "profile '" + profile->name + "' ";

  // Each: the caller's settings, then the AWS_* variables, then the AWS profile.
  const auto region =
      first_of(from(settings.region), variable(env, "AWS_REGION"),
               variable(env, "AWS_DEFAULT_REGION"), from(profile->region, in_profile + "region"));
  const auto bucket = first_of(from(settings.bucket), variable(env, "AWS_S3_BUCKET_NAME"));
  const auto endpoint = first_of(from(settings.endpoint), variable(env, "AWS_ENDPOINT_URL_S3"),
                                 variable(env, "AWS_ENDPOINT_URL"),
                                 from(profile->endpoint_url, in_profile + "endpoint_url"));
  bool path_style = true;  // a custom endpoint is path-style unless told otherwise
  if (settings.path_style) {
    path_style = *settings.path_style;
  } else if (profile->addressing_style) {
    path_style = *profile->addressing_style != "virtual";
  }

  S3Target target;
  target.region = region ? region->value : std::string(kDefaultRegion);
  if (!valid_region_name(target.region)) {
    return fail(region ? region->field : "", "'" + target.region +
                                                 "' is not a region name (lower-case letters, "
                                                 "digits and '-', e.g. eu-west-1)");
  }

  // With resolve_bucket false the caller names the bucket on each call.
  if (settings.resolve_bucket) {
    target.bucket = bucket ? bucket->value : std::string(kDefaultBucket);
    if (auto ok = check_bucket_name(target.bucket, bucket ? bucket->field : ""); !ok) {
      return Unexpected(ok.error());
    }
  }

  if (endpoint) {
    auto parsed = sigv4::S3Endpoint::parse(endpoint->value, path_style);
    if (!parsed) return fail(endpoint->field, parsed.error().message);
    target.endpoint = std::move(*parsed);
    target.endpoint_url = endpoint->value;
  } else {
    target.embedded = true;
    target.endpoint_url = std::string(kEmbeddedStoreEndpoint);
    auto parsed = sigv4::S3Endpoint::parse(kEmbeddedStoreEndpoint, true);
    if (!parsed) return fail("s3.endpoint", parsed.error().message);
    target.endpoint = std::move(*parsed);
  }

  if (auto bundle = env.get("AWS_CA_BUNDLE"); bundle && !bundle->empty()) {
    target.ca_file = *bundle;
  }

  // Credentials: the first source of the standard order that has some.
  auto chain = std::make_shared<DefaultCredentialsChain>(env, settings.aws_profile.value_or(""));
  auto found =
      chain->find(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  if (!found) return Unexpected(std::move(found).error());
  if (*found) {
    target.credentials = std::move((*found)->credentials);
    target.credentials_source = std::move((*found)->source);
    target.credentials_expiration = (*found)->expiration;
    target.credentials_provider = std::move(chain);
  } else if (target.embedded) {
    target.credentials_source = "none";
  } else {
    return fail("AWS_ACCESS_KEY_ID",
                "no credentials for " + target.endpoint_url +
                    ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE to a "
                    "profile with keys or a credential_process");
  }
  return target;
}

}  // namespace upgate::config
