#include "bucket_notifications_setup.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "serve_events.hpp"
#include "upgate/text.hpp"

namespace upgate::cli {
namespace {

constexpr std::string_view kRoute = "/v1/events/s3";
constexpr std::size_t kMinSecretBytes = 16;

bool unreserved(char c) {
  return text::is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// `value` as one shell word: single-quoted, a quote inside written as '\''.
std::string shell_quoted(std::string_view value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

}  // namespace

std::vector<std::string> notification_events() {
  return {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"};
}

Expected<std::string, std::string> events_route_url(std::string_view endpoint) {
  const std::string_view original = endpoint;
  std::string_view scheme;
  for (std::string_view s : {"http://", "https://"}) {
    if (text::istarts_with(endpoint, s)) scheme = s;
  }
  if (scheme.empty()) return Unexpected(std::string("must start with http:// or https://"));
  std::string_view rest = endpoint.substr(scheme.size());
  const std::size_t path_at = rest.find('/');
  const std::string_view authority = rest.substr(0, path_at);
  std::string_view path = path_at == std::string_view::npos ? "" : rest.substr(path_at);
  if (authority.empty()) return Unexpected(std::string("has no host"));
  if (authority.find('@') != std::string_view::npos) {
    return Unexpected(std::string("must not hold user info (user:password@)"));
  }
  if (original.find_first_of("?#") != std::string_view::npos) {
    return Unexpected(std::string("must have no query or fragment"));
  }
  for (const char c : original) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Unexpected(std::string("must have no spaces or control characters"));
    }
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string url = std::string(original.substr(0, scheme.size() + authority.size()));
  if (path.empty()) return url + std::string(kRoute);
  if (path.size() >= kRoute.size() && path.substr(path.size() - kRoute.size()) == kRoute) {
    return url + std::string(path);
  }
  return Unexpected("must be upgate's URL (scheme://host[:port]) or its events route (..." +
                    std::string(kRoute) + ")");
}

Expected<std::string, std::string> events_secret_from(const config::Environment& env,
                                                      const std::string& variable) {
  const auto value = env.get(variable);
  const std::vector<std::string> secrets =
      value ? events_route_secrets(*value) : std::vector<std::string>{};
  if (secrets.empty()) {
    return Unexpected("the variable " + variable +
                      " (--secret-env) is not set: it holds the events route's secret, as for "
                      "serve's [events] secret_env");
  }
  const std::string& secret = secrets.front();
  if (secret.size() < kMinSecretBytes) {
    return Unexpected("the secret in " + variable + " is shorter than 16 characters");
  }
  for (const char c : secret) {
    if (!unreserved(c)) {
      return Unexpected("the secret in " + variable +
                        " goes in a URL path: only A-Z a-z 0-9 - . _ ~ (for example "
                        "`openssl rand -hex 32`)");
    }
  }
  return secret;
}

bool valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (const char c : name) {
    if (!text::is_alnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string redact_secret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  constexpr std::string_view kShown = "<secret>";
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kShown.size())) {
    text.replace(at, secret.size(), kShown);
  }
  return text;
}

std::string shown_endpoint(std::string_view endpoint) {
  std::string out(endpoint);
  const std::size_t scheme_end = out.find("://");
  const std::size_t host_at = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const std::size_t authority_end = out.find('/', host_at);
  const std::size_t at_sign = out.substr(0, authority_end).rfind('@');
  if (at_sign != std::string::npos && at_sign >= host_at) out.erase(host_at, at_sign + 1 - host_at);
  const std::string marker = std::string(kRoute) + "/";
  const std::size_t route_at = out.find(marker);
  if (route_at != std::string::npos) out = out.substr(0, route_at + marker.size()) + "<secret>";
  return out;
}

std::string aws_equivalent(const AwsEquivalent& w) {
  const std::string region = shell_quoted(w.region);
  const std::string bucket_arn = "arn:aws:s3:::" + w.bucket;

  boost::json::object policy_statement{
      {"Effect", "Allow"},
      {"Principal", {{"Service", "s3.amazonaws.com"}}},
      {"Action", "SNS:Publish"},
      {"Resource", "TOPIC_ARN"},
      {"Condition", {{"ArnLike", {{"aws:SourceArn", bucket_arn}}}}}};
  boost::json::array statements;
  statements.emplace_back(std::move(policy_statement));
  boost::json::object policy{{"Version", "2012-10-17"}, {"Statement", std::move(statements)}};
  boost::json::array events;
  for (const auto& e : notification_events()) events.emplace_back(e);
  boost::json::object configuration{
      {"Id", kNotificationId}, {"TopicArn", "TOPIC_ARN"}, {"Events", events}};
  if (!w.prefix.empty()) {
    boost::json::object rule{{"Name", "prefix"}, {"Value", w.prefix}};
    boost::json::array rules;
    rules.emplace_back(std::move(rule));
    boost::json::object key;
    key["FilterRules"] = std::move(rules);
    boost::json::object filter;
    filter["Key"] = std::move(key);
    configuration["Filter"] = std::move(filter);
  }
  boost::json::array configurations;
  configurations.emplace_back(std::move(configuration));
  boost::json::object notification{{"TopicConfigurations", std::move(configurations)}};
  // The topic's ARN is known only once it exists: the JSON splices in the shell's $TOPIC_ARN.
  auto with_arn = [](const boost::json::object& document) {
    std::string json = shell_quoted(boost::json::serialize(document));
    const std::string placeholder = "\"TOPIC_ARN\"";
    const std::size_t at = json.find(placeholder);
    if (at != std::string::npos) json.replace(at, placeholder.size(), "\"'\"$TOPIC_ARN\"'\"");
    return json;
  };
  std::string https_url = w.route_url;
  if (text::istarts_with(https_url, "http://")) https_url = "https://" + https_url.substr(7);

  std::string out =
      "On AWS S3 the same is S3 -> an SNS topic -> an HTTPS subscription (docs/deploy-aws.md):\n"
      "\n";
  out += "  TOPIC_ARN=$(aws sns create-topic --region " + region + " --name " +
         shell_quoted(w.topic) + " --query TopicArn --output text)\n";
  out += "  aws sns set-topic-attributes --region " + region +
         " --topic-arn \"$TOPIC_ARN\" --attribute-name Policy --attribute-value " +
         with_arn(policy) + "\n";
  out += "  aws sns set-topic-attributes --region " + region +
         " --topic-arn \"$TOPIC_ARN\" --attribute-name SignatureVersion --attribute-value 2\n";
  out += "  aws sns subscribe --region " + region +
         " --topic-arn \"$TOPIC_ARN\" --protocol https --notification-endpoint \"" + https_url +
         "/$" + w.secret_env + "\"\n";
  out += "  aws s3api put-bucket-notification-configuration --region " + region + " --bucket " +
         shell_quoted(w.bucket) + " --notification-configuration " + with_arn(notification) + "\n";
  out +=
      "\n"
      "and in upgate.toml, [events] sns_topic_arns = [\"<the TopicArn>\"]. SNS needs https://\n"
      "with a certificate from a public CA; upgate confirms the subscription itself.\n";
  return out;
}

}  // namespace upgate::cli
