#include "bucket_target.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/config/s3_target.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::cli {

namespace {

constexpr const char* kBucketTargetHelp =
    "The S3 target is found as `upgate serve` finds it: --endpoint, UPGATE_S3_ENDPOINT,\n"
    "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or the profile's endpoint_url, else the embedded\n"
    "store at http://127.0.0.1:9000; path-style unless --virtual-hosted or the profile's\n"
    "addressing_style says virtual (for AWS: --endpoint https://s3.REGION.amazonaws.com\n"
    "--virtual-hosted). Region: --region, UPGATE_S3_REGION, AWS_REGION, AWS_DEFAULT_REGION,\n"
    "the profile's, else us-east-1. Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and\n"
    "AWS_SESSION_TOKEN, or the AWS_PROFILE's. TLS peers are verified against the system's CAs\n"
    "or --ca-file / AWS_CA_BUNDLE.\n";

constexpr std::chrono::seconds kConnectTimeout{10};

}  // namespace

std::string with_bucket_target_help(std::string_view help) {
  std::string out(help);
  const std::size_t at = out.find("%TARGET%");
  if (at != std::string::npos) out.replace(at, 8, kBucketTargetHelp);
  return out;
}

void add_target_flags(CLI::App& cmd, TargetFlags& f, const std::string& endpoint_flag) {
  cmd.add_option(endpoint_flag, f.endpoint, "S3 endpoint URL (default: as `upgate serve`)");
  cmd.add_option("--region", f.region, "signing region");
  auto* path = cmd.add_flag("--path-style", f.path_style, "address the bucket as host/BUCKET");
  cmd.add_flag("--virtual-hosted", f.virtual_hosted, "address the bucket as BUCKET.host")
      ->excludes(path);
  cmd.add_option("--aws-profile", f.aws_profile, "profile of the AWS shared files (AWS_PROFILE)");
  cmd.add_option("--ca-file", f.ca_file, "PEM CA bundle to verify TLS with (AWS_CA_BUNDLE)");
  cmd.add_option("--timeout", f.timeout_seconds, "seconds the whole call may take (default 60)");
}

CLI::App* add_bucket_group(CLI::App& bucket, const std::string& name,
                           std::string_view help_template) {
  CLI::App* group = bucket.add_subcommand(name, with_bucket_target_help(help_template));
  group->require_subcommand(1);
  return group;
}

CLI::App* add_bucket_verb(CLI::App& group, const std::string& name, const std::string& help,
                          std::string& bucket, TargetFlags& target,
                          std::function<Expected<void, BucketFailure>()> run, int& exit_code,
                          const std::string& endpoint_flag) {
  CLI::App* cmd = group.add_subcommand(name, help);
  cmd->add_option("BUCKET", bucket, "the bucket")->required();
  add_target_flags(*cmd, target, endpoint_flag);
  const std::string prefix = "upgate bucket " + group.get_name() + " " + name + ": ";
  cmd->callback([run = std::move(run), prefix, &exit_code] {
    auto result = run();
    if (result) {
      exit_code = kExitOk;
      return;
    }
    std::cerr << prefix << result.error().message << '\n';
    exit_code = result.error().exit_code;
  });
  return cmd;
}

Unexpected<BucketFailure> usage_failure(std::string message) {
  return Unexpected(BucketFailure{kExitUsage, std::move(message)});
}

Unexpected<BucketFailure> refused(const s3client::ClientError& error) {
  // Bad input caught before sending is the caller's to fix, like any usage error.
  const int code = error.kind == s3client::ErrorKind::kRequest ? kExitUsage : kExitFailure;
  return Unexpected(BucketFailure{code, error.describe()});
}

Expected<s3client::S3Client, BucketFailure> make_bucket_client(const std::string& bucket,
                                                               const TargetFlags& f) {
  const config::Environment env = config::Environment::process();
  config::S3Settings settings;
  settings.endpoint = config::first_of(config::from(f.endpoint, "--endpoint"),
                                       config::variable(env, "UPGATE_S3_ENDPOINT"));
  settings.region = config::first_of(config::from(f.region, "--region"),
                                     config::variable(env, "UPGATE_S3_REGION"));
  settings.bucket = config::Sourced<std::string>{bucket, "BUCKET"};
  if (f.path_style) settings.path_style = true;
  if (f.virtual_hosted) settings.path_style = false;
  if (f.aws_profile) settings.aws_profile = f.aws_profile;

  auto target = config::resolve_s3_target(env, settings);
  if (!target) return usage_failure(target.error().describe());
  if (!target->credentials.valid()) {
    return usage_failure("AWS_ACCESS_KEY_ID: no credentials for " + target->endpoint_url +
                         ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE");
  }
  if (f.timeout_seconds < 1 || f.timeout_seconds > 3600) {
    return usage_failure("--timeout must be between 1 and 3600 seconds");
  }

  s3client::ClientOptions options;
  options.endpoint = std::move(target->endpoint);
  options.region = std::move(target->region);
  options.credentials = std::move(target->credentials);
  options.total_timeout = std::chrono::seconds(f.timeout_seconds);
  options.connect_timeout = std::min(kConnectTimeout, options.total_timeout);
  if (f.ca_file) {
    options.ca_file = *f.ca_file;
  } else if (auto bundle = env.get("AWS_CA_BUNDLE")) {
    options.ca_file = *bundle;
  }
  s3client::http_client_global_init();
  return s3client::S3Client(std::move(options));
}

CLI::App* add_delete_document_verb(
    CLI::App& group, const std::string& help, std::string what,
    Expected<void, s3client::ClientError> (*remove)(const s3client::S3Client&, std::string_view),
    int& exit_code) {
  struct Options {
    std::string bucket;
    TargetFlags target;
  };
  auto o = std::make_shared<Options>();
  auto run = [o, what = std::move(what), remove]() -> Expected<void, BucketFailure> {
    auto client = make_bucket_client(o->bucket, o->target);
    if (!client) return Unexpected(std::move(client).error());
    auto deleted = remove(*client, o->bucket);
    if (!deleted) return refused(deleted.error());
    std::cout << "bucket " << o->bucket << ": " << what << " deleted\n";
    return {};
  };
  return add_bucket_verb(group, "delete", help, o->bucket, o->target, std::move(run), exit_code);
}

std::string input_name(const std::string& path) {
  return path == "-" ? "standard input" : path;
}

Expected<std::string, BucketFailure> read_bounded(const std::string& path, std::size_t max_bytes,
                                                  const std::string& what) {
  const bool from_stdin = path == "-";
  const std::string name = input_name(path);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(
      from_stdin ? nullptr : std::fopen(path.c_str(), "rb"), &std::fclose);
  std::FILE* in = from_stdin ? stdin : owned.get();
  if (in == nullptr) return usage_failure("cannot open " + name + ": " + std::strerror(errno));
  std::string text;
  char buffer[16384];
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, in);
    text.append(buffer, n);
    if (text.size() > max_bytes) {
      return usage_failure(name + " is larger than " + std::to_string(max_bytes) +
                           " bytes, S3's limit for " + what);
    }
    if (n < sizeof buffer) break;
  }
  if (std::ferror(in)) return usage_failure("cannot read " + name + ": " + std::strerror(errno));
  return text;
}

}  // namespace upgate::cli
