// `upgate bucket notifications put|get|delete BUCKET`: Ceph RGW's bucket notifications to
// upgate's POST /v1/events/s3 (docs/EVENTS.md), so RGW tells upgate of every object even when
// the browser never calls complete. put makes an RGW topic whose push endpoint is
// <--endpoint>/v1/events/s3/<secret> (RGW cannot send headers: the secret goes in the path)
// and points the bucket's ObjectCreated/ObjectRemoved notifications at it, then prints the
// AWS equivalent (S3 -> SNS -> an HTTPS subscription). The secret is read from a variable and
// never printed: every endpoint shown ends in /v1/events/s3/<secret>.
// The target is resolved as `upgate serve` resolves it (bucket_target.hpp).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bucket_notifications_setup.hpp"
#include "bucket_target.hpp"
#include "commands.hpp"
#include "pretty_json.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/s3client/bucket_notifications.hpp"

namespace upgate::cli {
namespace {

constexpr const char* kNotificationsHelp =
    "Make Ceph RGW tell upgate of every object written or deleted in a bucket: an RGW topic\n"
    "whose HTTP push endpoint is upgate's POST /v1/events/s3 (with the events secret in the\n"
    "path, as RGW cannot add headers), and the bucket's notification configuration\n"
    "(s3:ObjectCreated:*, s3:ObjectRemoved:*) pointing at it. upgate serve then verifies each\n"
    "reported upload and sends the app its webhooks (docs/EVENTS.md).\n"
    "\n"
    "  upgate bucket notifications put uploads --endpoint https://upgate.example.com\n"
    "  upgate bucket notifications get uploads\n"
    "  upgate bucket notifications delete uploads\n"
    "\n"
    "--endpoint is upgate's URL as RGW reaches it (https://HOST[:PORT], or the route itself,\n"
    "https://HOST/PREFIX/v1/events/s3); the secret comes from the variable --secret-env names\n"
    "(default UPGATE_EVENTS_SECRET, serve's [events] secret_env; the first one when it holds\n"
    "two) and is never printed. put replaces the bucket's notification configuration, as S3's\n"
    "call does, and updates the topic (default upgate-BUCKET) when it exists; RGW pushes\n"
    "during the write that caused the event unless --persistent (queued and retried by RGW).\n"
    "put also prints the AWS S3 equivalent (S3 -> SNS -> an HTTPS subscription) as aws CLI\n"
    "commands. delete removes upgate's notification (id \"upgate\") and its topic.\n"
    "\n"
    "In this command the S3 endpoint's flag is --s3-endpoint (read it for --endpoint below).\n"
    "%TARGET%"
    "\n"
    "Exit codes: 0 done; 1 RGW refused or could not be reached (and for get: the bucket has no\n"
    "notifications); 2 bad arguments, endpoint or secret.";

constexpr const char* kSecretEnvDefault = "UPGATE_EVENTS_SECRET";

struct NotificationsOptions {
  std::string bucket;
  std::string endpoint;  // upgate's URL (put)
  std::string secret_env = kSecretEnvDefault;
  std::optional<std::string> topic;
  std::string prefix;
  bool persistent = false;
  bool insecure_tls = false;
  TargetFlags target;
};

// upgate-BUCKET, with the '.' a bucket name may hold and a topic name may not as '-'.
std::string topic_name(const NotificationsOptions& o) {
  if (o.topic) return *o.topic;
  std::string name = "upgate-" + o.bucket;
  std::replace(name.begin(), name.end(), '.', '-');
  return name;
}

// `error`'s line with the events secret replaced, should a server have echoed it.
Unexpected<BucketFailure> refused_without(const s3client::ClientError& error,
                                          const std::string& secret) {
  auto failure = refused(error);
  failure.error().message = redact_secret(failure.error().message, secret);
  return failure;
}

Expected<void, BucketFailure> run_put(const NotificationsOptions& o) {
  const config::Environment env = config::Environment::process();
  auto secret = events_secret_from(env, o.secret_env);
  if (!secret) return usage_failure(secret.error());
  auto route = events_route_url(o.endpoint);
  if (!route) return usage_failure("--endpoint: " + route.error());
  if (o.topic && !valid_topic_name(*o.topic)) {
    return usage_failure("--topic must be 1 to 256 letters, digits, '-' or '_'");
  }
  auto client = make_bucket_client(o.bucket, o.target);
  if (!client) return Unexpected(std::move(client).error());

  s3client::PushTopic topic;
  topic.name = topic_name(o);
  topic.push_endpoint = *route + "/" + *secret;
  topic.persistent = o.persistent;
  topic.verify_ssl = !o.insecure_tls;
  auto arn = s3client::create_push_topic(*client, topic);
  if (!arn) return refused_without(arn.error(), *secret);
  s3client::TopicNotification notification;
  notification.id = std::string(kNotificationId);
  notification.topic_arn = *arn;
  notification.events = notification_events();
  notification.prefix = o.prefix;
  auto put = s3client::put_bucket_notifications(*client, o.bucket, {notification});
  if (!put) return refused_without(put.error(), *secret);

  std::cout << "topic " << topic.name << " (" << *arn << ") pushes to " << *route << "/<secret>"
            << (o.persistent ? " (persistent)" : "") << '\n'
            << "bucket " << o.bucket << ": notification \"" << kNotificationId
            << "\" sends ObjectCreated and ObjectRemoved"
            << (o.prefix.empty() ? std::string() : " under " + o.prefix) << " to it\n\n"
            << aws_equivalent({o.bucket, topic.name, *route, o.secret_env, o.prefix,
                               client->options().region});
  return {};
}

// The client for the bucket's target, and the bucket's notifications as it read them.
struct ReadNotifications {
  s3client::S3Client client;
  std::vector<s3client::TopicNotification> notifications;
};

Expected<ReadNotifications, BucketFailure> read_notifications(const NotificationsOptions& o) {
  auto client = make_bucket_client(o.bucket, o.target);
  if (!client) return Unexpected(std::move(client).error());
  auto got = s3client::get_bucket_notifications(*client, o.bucket);
  if (!got) return refused(got.error());
  return ReadNotifications{std::move(*client), std::move(*got)};
}

Expected<void, BucketFailure> run_get(const NotificationsOptions& o) {
  auto read = read_notifications(o);
  if (!read) return Unexpected(std::move(read).error());
  const auto& [client, got] = *read;
  if (got.empty()) {
    return Unexpected(BucketFailure{kExitFailure, "bucket " + o.bucket + " has no notifications"});
  }
  boost::json::array configurations;
  for (const auto& n : got) {
    boost::json::object entry;
    entry["Id"] = n.id;
    entry["TopicArn"] = n.topic_arn;
    boost::json::array events;
    for (const auto& e : n.events) events.emplace_back(e);
    entry["Events"] = std::move(events);
    if (!n.prefix.empty()) entry["Prefix"] = n.prefix;
    // RGW's own topics say where they push; a topic RGW does not know (AWS's) says nothing.
    if (auto topic = s3client::get_topic_attributes(client, n.topic_arn)) {
      entry["PushEndpoint"] = shown_endpoint(topic->push_endpoint);
      entry["Persistent"] = topic->persistent;
    }
    configurations.emplace_back(std::move(entry));
  }
  boost::json::object out;
  out["TopicConfigurations"] = std::move(configurations);
  std::cout << pretty_json(out) << '\n';
  return {};
}

Expected<void, BucketFailure> run_delete(const NotificationsOptions& o) {
  auto read = read_notifications(o);
  if (!read) return Unexpected(std::move(read).error());
  const auto& [client, got] = *read;
  std::optional<std::string> arn;
  for (const auto& n : got) {
    if (n.id == kNotificationId) arn = n.topic_arn;
  }
  if (!arn) {
    std::cout << "bucket " << o.bucket << ": no \"" << kNotificationId << "\" notification\n";
    return {};
  }
  auto deleted = s3client::delete_bucket_notification(client, o.bucket, kNotificationId);
  if (!deleted) return refused(deleted.error());
  auto topic = s3client::delete_topic(client, *arn);
  if (!topic) return refused(topic.error());
  std::cout << "bucket " << o.bucket << ": notification \"" << kNotificationId << "\" and topic "
            << *arn << " deleted\n";
  return {};
}

// --endpoint is upgate's URL here (RGW pushes to it): the S3 endpoint is --s3-endpoint.
const std::string kS3EndpointFlag = "--s3-endpoint";

}  // namespace

void register_bucket_notifications(CLI::App& bucket, int& exit_code) {
  CLI::App* notifications = add_bucket_group(bucket, "notifications", kNotificationsHelp);

  auto put_options = std::make_shared<NotificationsOptions>();
  CLI::App* put = add_bucket_verb(*notifications, "put",
                                  "make an RGW topic pushing to upgate and point the bucket's "
                                  "notifications at it",
                                  put_options, &run_put, exit_code, kS3EndpointFlag);
  put->add_option("--endpoint", put_options->endpoint,
                  "upgate's URL as RGW reaches it (https://HOST[:PORT][/PREFIX/v1/events/s3])")
      ->required();
  put->add_option("--secret-env", put_options->secret_env,
                  "the variable holding the events route's secret (default "
                  "UPGATE_EVENTS_SECRET)");
  put->add_option("--topic", put_options->topic, "the RGW topic's name (default upgate-BUCKET)");
  put->add_option("--prefix", put_options->prefix, "only keys under this prefix (default: all)");
  put->add_flag("--persistent", put_options->persistent,
                "RGW queues each event and retries it until upgate takes it (asynchronous)");
  put->add_flag("--no-verify-ssl", put_options->insecure_tls,
                "RGW does not verify upgate's TLS certificate");

  add_bucket_verb(*notifications, "get",
                  "print the bucket's notifications as JSON (secrets hidden)",
                  std::make_shared<NotificationsOptions>(), &run_get, exit_code, kS3EndpointFlag);
  add_bucket_verb(*notifications, "delete", "remove upgate's notification and its topic",
                  std::make_shared<NotificationsOptions>(), &run_delete, exit_code,
                  kS3EndpointFlag);
}

}  // namespace upgate::cli
