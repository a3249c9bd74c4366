// `upgate aws-policy`: the IAM policy, bucket policy and bucket CORS an AWS deployment of
// `upgate serve` needs, written from the same configuration serve reads (api_config.hpp,
// url_access.hpp, aws_policy.hpp), so they grant what the configured profiles use and no
// more.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "commands.hpp"
#include "lifecycle_json.hpp"
#include "pretty_json.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/aws_policy.hpp"
#include "upgate/api/url_access.hpp"

namespace upgate::cli {
namespace {

namespace json = boost::json;

constexpr const char* kAwsPolicyHelp =
    "Print the AWS documents for the configured upload profiles, as JSON:\n"
    "  iamPolicy     for the IAM user or role whose keys sign the URLs: s3:PutObject,\n"
    "                s3:AbortMultipartUpload and s3:ListMultipartUploadParts (and\n"
    "                s3:GetObject when a profile allows downloads) on BUCKET/PREFIX* only,\n"
    "                over TLS only. A presigned URL can do no more than its signer may.\n"
    "  bucketPolicy  denies every request to the bucket that does not use TLS; allows nothing.\n"
    "  cors          the bucket's CORS rules (JSON array) for the configured origins.\n"
    "  lifecycle     the bucket's lifecycle rule: abort multipart uploads left incomplete\n"
    "                (Uppy never aborts one) after --abort-after-days (default 7).\n"
    "Prefixes come from the profiles' folders and key templates (upgate.toml via --config or\n"
    "UPGATE_CONFIG), or from --prefix. CORS origins: --cors-origin, UPGATE_CORS_ORIGINS, the\n"
    "file's [cors], else the demo page's. No AWS credentials are read.\n"
    "Apply them with:\n"
    "  upgate aws-policy --bucket B --only iam | aws iam put-user-policy --user-name U \\\n"
    "      --policy-name upgate --policy-document file:///dev/stdin\n"
    "  upgate aws-policy --bucket B --only bucket-policy | aws s3api put-bucket-policy \\\n"
    "      --bucket B --policy file:///dev/stdin\n"
    "  upgate aws-policy --bucket B --only cors | upgate bucket cors put B --file -\n"
    "  upgate aws-policy --bucket B --only lifecycle | aws s3api \\\n"
    "      put-bucket-lifecycle-configuration --bucket B --lifecycle-configuration \\\n"
    "      file:///dev/stdin     (or: upgate bucket lifecycle put B)\n"
    "See docs/deploy-aws.md. Errors: one line on stderr, exit code 2.";

struct AwsPolicyOptions {
  std::string bucket;
  std::vector<std::string> prefixes;
  std::string partition = "aws";
  std::string only;  // "", iam, bucket-policy, cors, lifecycle
  std::int64_t abort_after_days = kDefaultAbortAfterDays;
  api::ApiFlags flags;
};

int run_aws_policy(AwsPolicyOptions& options) {
  // S3 refuses a day count outside 1..2^31-1; a document it would refuse is never printed.
  if (options.abort_after_days < 1 || options.abort_after_days > s3::kMaxLifecycleDays) {
    std::cerr << "upgate aws-policy: --abort-after-days must be between 1 and "
              << s3::kMaxLifecycleDays << "\n";
    return kExitUsage;
  }
  options.flags.resolve_s3_target = false;
  auto config = api::load_api_config(config::Environment::process(), options.flags);
  if (!config) {
    std::cerr << "upgate aws-policy: " << config.error().describe() << '\n';
    return kExitUsage;
  }
  const api::UrlAccess access = api::url_access(config->profiles);

  api::AwsDeployment deployment;
  deployment.partition = options.partition;
  deployment.bucket = options.bucket;
  deployment.prefixes = options.prefixes;
  deployment.cors_origins = config->cors.allowed_origins;
  deployment.cors_max_age = config->cors.max_age;
  auto policies = api::build_aws_policies(access, deployment);
  if (!policies) {
    std::cerr << "upgate aws-policy: " << policies.error().describe() << '\n';
    return kExitUsage;
  }
  if (options.prefixes.empty()) {
    // Printed, not refused: such a profile does need the whole bucket. Stderr keeps stdout
    // a document that can be piped as is.
    for (const std::string& name : access.unbounded_profiles) {
      std::cerr << "upgate aws-policy: note: profile '" << name
                << "' takes its folder from the client (folder = \"*\"), so its URLs need every "
                   "key in the bucket; pass --prefix to narrow the policy\n";
    }
  }

  // Over the whole bucket: it touches only uploads left incomplete, whoever started them.
  s3::LifecycleConfiguration lifecycle;
  lifecycle.rules.push_back(recommended_lifecycle_rule("", options.abort_after_days, {}));

  json::value document;
  if (options.only == "lifecycle") {
    document = lifecycle_json(lifecycle);
  } else if (options.only == "iam") {
    document = std::move(policies->iam_policy);
  } else if (options.only == "bucket-policy") {
    document = std::move(policies->bucket_policy);
  } else if (options.only == "cors") {
    document = std::move(policies->cors);
  } else {
    document = json::object{{"iamPolicy", std::move(policies->iam_policy)},
                            {"bucketPolicy", std::move(policies->bucket_policy)},
                            {"cors", std::move(policies->cors)},
                            {"lifecycle", lifecycle_json(lifecycle)}};
  }
  std::cout << pretty_json(document) << '\n';
  return kExitOk;
}

}  // namespace

void register_aws_policy(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<AwsPolicyOptions>();
  CLI::App* cmd = app.add_subcommand("aws-policy", kAwsPolicyHelp);
  cmd->add_option("--bucket", options->bucket, "the S3 bucket the URLs point at")->required();
  cmd->add_option("--prefix", options->prefixes,
                  "key prefix the URLs may write (and read), e.g. uploads/ (repeatable; "
                  "default: from the profiles)");
  cmd->add_option("--partition", options->partition, "ARN partition: aws, aws-cn, aws-us-gov")
      ->default_val("aws");
  cmd->add_option("--only", options->only,
                  "print one document: iam, bucket-policy, cors or lifecycle")
      ->check(CLI::IsMember({"iam", "bucket-policy", "cors", "lifecycle"}));
  cmd->add_option("--abort-after-days", options->abort_after_days,
                  "days after which the lifecycle rule aborts incomplete uploads (default 7)");
  cmd->add_option("--config", options->flags.config_path,
                  "upgate.toml with the upload profiles (UPGATE_CONFIG)");
  cmd->add_option("--cors-origin", options->flags.cors_origins,
                  "origin the bucket's CORS allows (repeatable; default: as `upgate serve`)");
  cmd->callback([options, &exit_code] { exit_code = run_aws_policy(*options); });
}

}  // namespace upgate::cli
