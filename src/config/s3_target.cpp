// Merging the S3 settings with the AWS environment and shared files.
#include "upgate/config/s3_target.hpp"

#include <algorithm>
#include <cctype>

#include "upgate/config/aws_shared_config.hpp"

namespace upgate::config {
namespace {

Unexpected<ConfigError> fail(std::string field, std::string message) {
  return Unexpected(ConfigError{std::move(field), std::move(message)});
}

bool is_ipv4_like(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

// Credentials must not carry bytes that would break a URL or a header.
bool printable_token(std::string_view s) {
  return !s.empty() && s.size() <= 4096 && std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7F;
  });
}

}  // namespace

bool valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!alnum(c) && c != '.' && c != '-') return false;
    if (c == '.' && i + 1 < name.size() && (name[i + 1] == '.' || name[i + 1] == '-')) return false;
    if (c == '-' && i + 1 < name.size() && name[i + 1] == '.') return false;
  }
  return !is_ipv4_like(name);
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
  if (settings.resolve_bucket && !valid_bucket_name(target.bucket)) {
    return fail(bucket_field, "'" + target.bucket +
                                  "' is not a valid S3 bucket name (3-63 characters: lower-case "
                                  "letters, digits, '.' and '-')");
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

  // Credentials: the environment's pair, else the profile's pair.
  const auto env_key = env.get("AWS_ACCESS_KEY_ID");
  auto env_secret = env.get("AWS_SECRET_ACCESS_KEY");
  if (env_key.has_value() != env_secret.has_value()) {
    return fail(env_key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
                "is unset while " +
                    std::string(env_key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                    " is set; set both or neither");
  }
  if (env_key) {
    target.credentials.access_key_id = *env_key;
    target.credentials.secret_access_key = sigv4::SecretKey(std::move(*env_secret));
    if (auto token = env.get("AWS_SESSION_TOKEN")) target.credentials.session_token = *token;
    target.credentials_source = "environment";
  } else if (profile->access_key_id) {
    target.credentials.access_key_id = *profile->access_key_id;
    target.credentials.secret_access_key = *profile->secret_access_key;
    if (profile->session_token) target.credentials.session_token = *profile->session_token;
    target.credentials_source = "profile " + profile->name;
  } else {
    target.credentials_source = "none";
  }
  if (target.credentials.valid()) {
    const std::string source = target.credentials_source == "environment"
                                   ? "AWS_ACCESS_KEY_ID"
                                   : "profile '" + profile->name + "' aws_access_key_id";
    if (!printable_token(target.credentials.access_key_id) ||
        target.credentials.access_key_id.size() > 128) {
      return fail(source, "is not a valid access key id (printable ASCII, no spaces)");
    }
    if (!printable_token(target.credentials.secret_access_key.reveal())) {
      return fail(target.credentials_source == "environment"
                      ? "AWS_SECRET_ACCESS_KEY"
                      : "profile '" + profile->name + "' aws_secret_access_key",
                  "holds spaces or control characters");
    }
    if (!target.credentials.session_token.empty() &&
        !printable_token(target.credentials.session_token)) {
      return fail("AWS_SESSION_TOKEN", "holds spaces or control characters");
    }
  } else if (!target.embedded) {
    return fail("AWS_ACCESS_KEY_ID",
                "no credentials for " + target.endpoint_url +
                    ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE");
  }
  return target;
}

}  // namespace upgate::config
