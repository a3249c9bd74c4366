// `upgate bucket cors put|get|delete BUCKET`: a bucket's CORS configuration through the S3
// API, so the seed's section 4 is a command instead of a copy-paste into a console.
//
// The target is resolved exactly as `upgate serve` resolves it (config::resolve_s3_target:
// flags, UPGATE_S3_*, AWS_* variables, the AWS shared files), and the calls are made by the
// outbound S3 client (upgate/s3client/). Results go to stdout, failures to stderr as one
// line; neither ever shows a secret.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/config/s3_target.hpp"
#include "upgate/s3client/bucket_cors.hpp"
#include "upgate/s3client/cors_json.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::cli {
namespace {

constexpr const char* kBucketHelp = "Bucket settings made through the S3 API.";

constexpr const char* kCorsHelp =
    "Set, show or remove a bucket's CORS configuration (S3's PutBucketCors, GetBucketCors,\n"
    "DeleteBucketCors) on AWS, Ceph RGW, MinIO, the embedded store or any S3-compatible server.\n"
    "\n"
    "  upgate bucket cors put uploads --file cors.json\n"
    "  upgate bucket cors get uploads > cors.json\n"
    "  upgate bucket cors delete uploads\n"
    "\n"
    "cors.json is the seed's JSON, an array of rules:\n"
    "  [{\"AllowedHeaders\": [\"Content-Type\"], \"AllowedMethods\": [\"PUT\", \"POST\"],\n"
    "    \"AllowedOrigins\": [\"https://your-domain.com\"], \"ExposeHeaders\": [\"ETag\"],\n"
    "    \"MaxAgeSeconds\": 3000}]\n"
    "or aws s3api's {\"CORSRules\": [...]}; each rule may also have an \"ID\".\n"
    "\n"
    "The S3 target is found as `upgate serve` finds it: --endpoint, UPGATE_S3_ENDPOINT,\n"
    "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or the profile's endpoint_url, else the embedded\n"
    "store at http://127.0.0.1:9000; path-style unless --virtual-hosted or the profile's\n"
    "addressing_style says virtual (for AWS: --endpoint https://s3.REGION.amazonaws.com\n"
    "--virtual-hosted). Region: --region, UPGATE_S3_REGION, AWS_REGION, AWS_DEFAULT_REGION,\n"
    "the profile's, else us-east-1. Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and\n"
    "AWS_SESSION_TOKEN, or the AWS_PROFILE's. TLS peers are verified against the system's CAs\n"
    "or --ca-file / AWS_CA_BUNDLE.\n"
    "\n"
    "Exit codes: 0 done; 1 S3 refused or could not be reached (and for get: the bucket has no\n"
    "CORS configuration); 2 bad arguments, CORS file or configuration.";

constexpr std::chrono::seconds kConnectTimeout{10};

struct TargetFlags {
  std::optional<std::string> endpoint;
  std::optional<std::string> region;
  std::optional<std::string> aws_profile;
  std::optional<std::string> ca_file;
  bool path_style = false;
  bool virtual_hosted = false;
  int timeout_seconds = 60;
};

struct CorsOptions {
  std::string bucket;
  std::string file;           // put: a path, or "-" for stdin
  bool aws_cli_form = false;  // get: {"CORSRules": [...]}
  TargetFlags target;
};

// A failure of this command: what to print, and the exit code it means.
struct Failure {
  int exit_code = kExitFailure;
  std::string message;
};

Unexpected<Failure> usage(std::string message) {
  return Unexpected(Failure{kExitUsage, std::move(message)});
}

Unexpected<Failure> refused(const s3client::ClientError& error) {
  // Bad input caught before sending is the caller's to fix, like any usage error.
  const int code = error.kind == s3client::ErrorKind::kRequest ? kExitUsage : kExitFailure;
  return Unexpected(Failure{code, error.describe()});
}

Expected<s3client::S3Client, Failure> make_client(const CorsOptions& o) {
  const config::Environment env = config::Environment::process();
  const TargetFlags& f = o.target;
  config::S3Settings settings;
  settings.endpoint = config::first_of(config::from(f.endpoint, "--endpoint"),
                                       config::variable(env, "UPGATE_S3_ENDPOINT"));
  settings.region = config::first_of(config::from(f.region, "--region"),
                                     config::variable(env, "UPGATE_S3_REGION"));
  settings.bucket = config::Sourced<std::string>{o.bucket, "BUCKET"};
  if (f.path_style) settings.path_style = true;
  if (f.virtual_hosted) settings.path_style = false;
  if (f.aws_profile) settings.aws_profile = f.aws_profile;

  auto target = config::resolve_s3_target(env, settings);
  if (!target) return usage(target.error().describe());
  if (!target->credentials.valid()) {
    return usage("AWS_ACCESS_KEY_ID: no credentials for " + target->endpoint_url +
                 ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE");
  }
  if (f.timeout_seconds < 1 || f.timeout_seconds > 3600) {
    return usage("--timeout must be between 1 and 3600 seconds");
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

// The whole of `path` ("-": stdin), refused past `max_bytes` without reading further.
Expected<std::string, Failure> read_bounded(const std::string& path, std::size_t max_bytes) {
  const bool from_stdin = path == "-";
  const std::string name = from_stdin ? "standard input" : path;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(
      from_stdin ? nullptr : std::fopen(path.c_str(), "rb"), &std::fclose);
  std::FILE* in = from_stdin ? stdin : owned.get();
  if (in == nullptr) return usage("cannot open " + name + ": " + std::strerror(errno));
  std::string text;
  char buffer[16384];
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, in);
    text.append(buffer, n);
    if (text.size() > max_bytes) {
      return usage(name + " is larger than " + std::to_string(max_bytes) +
                   " bytes, S3's limit for a CORS configuration");
    }
    if (n < sizeof buffer) break;
  }
  if (std::ferror(in)) return usage("cannot read " + name + ": " + std::strerror(errno));
  return text;
}

std::string rules_phrase(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " rule" : " rules");
}

Expected<void, Failure> run_put(const CorsOptions& o) {
  auto text = read_bounded(o.file, s3::kMaxCorsDocumentBytes);
  if (!text) return Unexpected(std::move(text).error());
  auto configuration = s3client::read_cors_json(*text);
  if (!configuration) {
    return usage((o.file == "-" ? std::string("standard input") : o.file) + ": " +
                 configuration.error().message);
  }
  auto client = make_client(o);
  if (!client) return Unexpected(std::move(client).error());
  auto put = s3client::put_bucket_cors(*client, o.bucket, *configuration);
  if (!put) return refused(put.error());
  std::cout << "bucket " << o.bucket << ": CORS configuration set ("
            << rules_phrase(configuration->rules.size()) << ")\n";
  return {};
}

Expected<void, Failure> run_get(const CorsOptions& o) {
  auto client = make_client(o);
  if (!client) return Unexpected(std::move(client).error());
  auto got = s3client::get_bucket_cors(*client, o.bucket);
  if (!got) return refused(got.error());
  if (!got->has_value()) {
    return Unexpected(Failure{kExitFailure, "bucket " + o.bucket + " has no CORS configuration"});
  }
  std::cout << s3client::write_cors_json(
      **got, o.aws_cli_form ? s3client::CorsJsonForm::kAwsCli : s3client::CorsJsonForm::kRuleArray);
  return {};
}

Expected<void, Failure> run_delete(const CorsOptions& o) {
  auto client = make_client(o);
  if (!client) return Unexpected(std::move(client).error());
  auto deleted = s3client::delete_bucket_cors(*client, o.bucket);
  if (!deleted) return refused(deleted.error());
  std::cout << "bucket " << o.bucket << ": CORS configuration deleted\n";
  return {};
}

void add_target_flags(CLI::App& cmd, TargetFlags& f) {
  cmd.add_option("--endpoint", f.endpoint, "S3 endpoint URL (default: as `upgate serve`)");
  cmd.add_option("--region", f.region, "signing region");
  auto* path = cmd.add_flag("--path-style", f.path_style, "address the bucket as host/BUCKET");
  cmd.add_flag("--virtual-hosted", f.virtual_hosted, "address the bucket as BUCKET.host")
      ->excludes(path);
  cmd.add_option("--aws-profile", f.aws_profile, "profile of the AWS shared files (AWS_PROFILE)");
  cmd.add_option("--ca-file", f.ca_file, "PEM CA bundle to verify TLS with (AWS_CA_BUNDLE)");
  cmd.add_option("--timeout", f.timeout_seconds, "seconds the whole call may take (default 60)");
}

using Runner = Expected<void, Failure> (*)(const CorsOptions&);

void add_cors_verb(CLI::App& cors, const char* name, const char* help, Runner run, int& exit_code,
                   const std::function<void(CLI::App&, CorsOptions&)>& extra) {
  auto options = std::make_shared<CorsOptions>();
  CLI::App* cmd = cors.add_subcommand(name, help);
  cmd->add_option("BUCKET", options->bucket, "the bucket")->required();
  extra(*cmd, *options);
  add_target_flags(*cmd, options->target);
  const std::string prefix = std::string("upgate bucket cors ") + name + ": ";
  cmd->callback([options, run, prefix, &exit_code] {
    auto result = run(*options);
    if (result) {
      exit_code = kExitOk;
      return;
    }
    std::cerr << prefix << result.error().message << '\n';
    exit_code = result.error().exit_code;
  });
}

}  // namespace

void register_bucket(CLI::App& app, int& exit_code) {
  CLI::App* bucket = app.add_subcommand("bucket", kBucketHelp);
  bucket->require_subcommand(1);
  CLI::App* cors = bucket->add_subcommand("cors", kCorsHelp);
  cors->require_subcommand(1);
  add_cors_verb(
      *cors, "put", "set the bucket's CORS rules from a JSON file", &run_put, exit_code,
      [](CLI::App& cmd, CorsOptions& o) {
        cmd.add_option("--file", o.file, "the CORS JSON (- for standard input)")->required();
      });
  add_cors_verb(*cors, "get", "print the bucket's CORS rules as JSON", &run_get, exit_code,
                [](CLI::App& cmd, CorsOptions& o) {
                  cmd.add_flag("--aws-cli-form", o.aws_cli_form,
                               "print {\"CORSRules\": [...]} as aws s3api does");
                });
  add_cors_verb(*cors, "delete", "remove the bucket's CORS configuration", &run_delete, exit_code,
                [](CLI::App&, CorsOptions&) {});
}

}  // namespace upgate::cli
