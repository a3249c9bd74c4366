// What `upgate bucket notifications` decides before and after it calls RGW, apart from the
// calls: the events route's URL from --endpoint, the secret from its variable, how a push
// endpoint is shown (never with the secret), and the AWS equivalent as aws CLI commands.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "upgate/config/environment.hpp"
#include "upgate/expected.hpp"

namespace upgate::cli {

// The id of the notification `put` writes and `delete` removes.
inline constexpr std::string_view kNotificationId = "upgate";

// s3:ObjectCreated:* and s3:ObjectRemoved:*.
std::vector<std::string> notification_events();

// upgate's POST /v1/events/s3 URL from --endpoint: "http[s]://HOST[:PORT]" (or with a "/"
// path) gets "/v1/events/s3"; a URL whose path already ends in "/v1/events/s3" is kept (upgate
// behind a proxy under a prefix). Refused: another scheme, user info, a query or fragment,
// another path. The answer has no trailing slash.
Expected<std::string, std::string> events_route_url(std::string_view endpoint);

// The first secret of `variable`'s value (events_route_secrets), which must be at least 16
// characters of A-Z a-z 0-9 - . _ ~ (it becomes a path segment RGW sends as it is). The
// messages name the variable, never the value.
Expected<std::string, std::string> events_secret_from(const config::Environment& env,
                                                      const std::string& variable);

// 1 to 256 of A-Z a-z 0-9 - _ (RGW's and SNS's topic names).
bool valid_topic_name(std::string_view name);

// `text` with every occurrence of `secret` replaced by "<secret>".
std::string redact_secret(std::string text, std::string_view secret);

// A push endpoint as it may be shown: whatever follows "/v1/events/s3/" becomes "<secret>",
// and user info ("user:password@") is dropped.
std::string shown_endpoint(std::string_view endpoint);

struct AwsEquivalent {
  std::string bucket;
  std::string topic;
  std::string route_url;   // events_route_url(), without the secret
  std::string secret_env;  // referenced as $NAME in the commands, never expanded here
  std::string prefix;
  std::string region;
};

// The same setup on AWS S3 as shell commands (S3 -> SNS topic -> an HTTPS subscription to the
// route), and the upgate.toml line it needs.
std::string aws_equivalent(const AwsEquivalent& what);

}  // namespace upgate::cli
