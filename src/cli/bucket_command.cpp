// `upgate bucket cors put|get|delete BUCKET`: a bucket's CORS configuration through the S3
// API, so the seed's section 4 is a command instead of a copy-paste into a console.
// (`upgate bucket lifecycle` is bucket_lifecycle_command.cpp.)
//
// The target is resolved exactly as `upgate serve` resolves it (bucket_target.hpp), and the
// calls are made by the outbound S3 client (upgate/s3client/). Results go to stdout, failures
// to stderr as one line; neither ever shows a secret.
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "bucket_target.hpp"
#include "commands.hpp"
#include "upgate/s3client/bucket_cors.hpp"
#include "upgate/s3client/cors_json.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::cli {
namespace {

constexpr const char* kBucketHelp = "Bucket settings made through the S3 API.";

constexpr const char* kCorsHelpTemplate =
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
    "%TARGET%\n"
    "Exit codes: 0 done; 1 S3 refused or could not be reached (and for get: the bucket has no\n"
    "CORS configuration); 2 bad arguments, CORS file or configuration.";

struct CorsOptions {
  std::string bucket;
  std::string file;           // put: a path, or "-" for stdin
  bool aws_cli_form = false;  // get: {"CORSRules": [...]}
  TargetFlags target;
};

std::string rules_phrase(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " rule" : " rules");
}

Expected<void, BucketFailure> run_put(const CorsOptions& o) {
  auto text = read_bounded(o.file, s3::kMaxCorsDocumentBytes, "a CORS configuration");
  if (!text) return Unexpected(std::move(text).error());
  auto configuration = s3client::read_cors_json(*text);
  if (!configuration) {
    return usage_failure(input_name(o.file) + ": " + configuration.error().message);
  }
  auto client = make_bucket_client(o.bucket, o.target);
  if (!client) return Unexpected(std::move(client).error());
  auto put = s3client::put_bucket_cors(*client, o.bucket, *configuration);
  if (!put) return refused(put.error());
  std::cout << "bucket " << o.bucket << ": CORS configuration set ("
            << rules_phrase(configuration->rules.size()) << ")\n";
  return {};
}

Expected<void, BucketFailure> run_get(const CorsOptions& o) {
  auto got =
      get_bucket_document(o.bucket, o.target, "CORS configuration", &s3client::get_bucket_cors);
  if (!got) return Unexpected(std::move(got).error());
  std::cout << s3client::write_cors_json(
      *got, o.aws_cli_form ? s3client::CorsJsonForm::kAwsCli : s3client::CorsJsonForm::kRuleArray);
  return {};
}

}  // namespace

void register_bucket(CLI::App& app, int& exit_code) {
  CLI::App* bucket = app.add_subcommand("bucket", kBucketHelp);
  bucket->require_subcommand(1);
  register_bucket_lifecycle(*bucket, exit_code);
  register_bucket_notifications(*bucket, exit_code);
  CLI::App* cors = add_bucket_group(*bucket, "cors", kCorsHelpTemplate);
  auto put_options = std::make_shared<CorsOptions>();
  add_bucket_verb(*cors, "put", "set the bucket's CORS rules from a JSON file", put_options,
                  &run_put, exit_code)
      ->add_option("--file", put_options->file, "the CORS JSON (- for standard input)")
      ->required();
  auto get_options = std::make_shared<CorsOptions>();
  add_bucket_verb(*cors, "get", "print the bucket's CORS rules as JSON", get_options, &run_get,
                  exit_code)
      ->add_flag("--aws-cli-form", get_options->aws_cli_form,
                 "print {\"CORSRules\": [...]} as aws s3api does");
  add_delete_document_verb(*cors, "remove the bucket's CORS configuration", "CORS configuration",
                           &s3client::delete_bucket_cors, exit_code);
}

}  // namespace upgate::cli
