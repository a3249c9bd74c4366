// Merging the S3 settings with the AWS environment and shared files.
#include "upgate/config/s3_target.hpp"

#include <algorithm>

#include "upgate/config/aws_shared_config.hpp"
#include "upgate/s3/naming.hpp"

namespace upgate::config {
namespace {

Unexpected<ConfigError> fail(std::string field, std::string message) {
  return Unexpected(ConfigError{std::move(field), std::move(message)});
}

}  // namespace

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

  S3Target target;

  // Region.
  std::string region_field;
  if (settings.region) {
    target.region = *settings.region, region_field = settings.region_field;
  } else if (auto v = env.get("AWS_REGION")) {
    target.region = *v, region_field = "AWS_REGION";
  } else if (auto d = env.get("AWS_DEFAULT_REGION")) {
    target.region = *d, region_field = "AWS_DEFAULT_REGION";
  } else if (profile->region) {
    target.region = *profile->region, region_field = "profile '" + profile->name + "' region";
  } else {
    target.region = std::string(kDefaultRegion);
  }
  if (!valid_region_name(target.region)) {
    return fail(region_field, "'" + target.region +
                                  "' is not a region name (lower-case letters, "
                                  "digits and '-', e.g. eu-west-1)");
  }

  // Bucket.
  std::string bucket_field;
  if (!settings.resolve_bucket) {
    // The caller names the bucket on each call.
  } else if (settings.bucket) {
    target.bucket = *settings.bucket, bucket_field = settings.bucket_field;
  } else if (auto b = env.get("AWS_S3_BUCKET_NAME")) {
    target.bucket = *b, bucket_field = "AWS_S3_BUCKET_NAME";
  } else {
    target.bucket = std::string(kDefaultBucket);
  }
  if (settings.resolve_bucket) {
    if (auto ok = check_bucket_name(target.bucket, bucket_field); !ok)
      return Unexpected(ok.error());
  }

  // Endpoint.
  std::optional<std::string> endpoint;
  std::string endpoint_field;
  if (settings.endpoint) {
    endpoint = settings.endpoint, endpoint_field = settings.endpoint_field;
  } else if (auto s3 = env.get("AWS_ENDPOINT_URL_S3")) {
    endpoint = s3, endpoint_field = "AWS_ENDPOINT_URL_S3";
  } else if (auto any = env.get("AWS_ENDPOINT_URL")) {
    endpoint = any, endpoint_field = "AWS_ENDPOINT_URL";
  } else if (profile->endpoint_url) {
    endpoint = profile->endpoint_url;
    endpoint_field = "profile '" + profile->name + "' endpoint_url";
  }
  bool path_style = true;
  if (settings.path_style) {
    path_style = *settings.path_style;
  } else if (profile->addressing_style) {
    path_style = *profile->addressing_style != "virtual";
  }
  if (endpoint) {
    auto parsed = sigv4::S3Endpoint::parse(*endpoint, path_style);
    if (!parsed) return fail(endpoint_field, parsed.error().message);
    target.endpoint = std::move(*parsed);
    target.endpoint_url = *endpoint;
  } else {
    target.embedded = true;
    target.endpoint_url = std::string(kEmbeddedStoreEndpoint);
    auto parsed = sigv4::S3Endpoint::parse(kEmbeddedStoreEndpoint, true);
    if (!parsed) return fail("s3.endpoint", parsed.error().message);
    target.endpoint = std::move(*parsed);
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
