// IAM policy, bucket policy and bucket CORS for the upload API's URLs.
#include "upgate/api/aws_policy.hpp"

#include <algorithm>

#include "upgate/config/s3_target.hpp"

namespace upgate::api {
namespace {

namespace json = boost::json;
using config::ConfigError;

constexpr std::string_view kPolicyVersion = "2012-10-17";
constexpr std::size_t kMaxPrefixBytes = 1024;  // S3's key limit

using config::fail;

bool valid_partition(std::string_view partition) {
  if (partition.size() > 32) return false;
  if (partition == "aws") return true;
  if (partition.substr(0, 4) != "aws-" || partition.size() == 4 || partition.back() == '-') {
    return false;
  }
  return std::all_of(partition.begin(), partition.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

json::array strings(const std::vector<std::string>& values) {
  json::array out;
  for (const std::string& v : values) out.emplace_back(v);
  return out;
}

json::object secure_transport_is(std::string_view value) {
  return {{"Bool", {{"aws:SecureTransport", value}}}};
}

json::object allow_statement(std::string_view sid, json::value action,
                             const std::string& bucket_arn,
                             const std::vector<std::string>& prefixes) {
  json::array resources;
  for (const std::string& prefix : prefixes)
    resources.emplace_back(bucket_arn + "/" + prefix + "*");
  json::object statement;
  statement["Sid"] = sid;
  statement["Effect"] = "Allow";
  statement["Action"] = std::move(action);
  statement["Resource"] = std::move(resources);
  statement["Condition"] = secure_transport_is("true");
  return statement;
}

}  // namespace

Expected<void, std::string> check_policy_prefix(std::string_view prefix) {
  if (prefix.empty()) {
    return Unexpected(
        std::string("is empty: that is the whole bucket, give a folder such as "
                    "'uploads/'"));
  }
  if (prefix.size() > kMaxPrefixBytes) {
    return Unexpected("is longer than " + std::to_string(kMaxPrefixBytes) + " bytes");
  }
  if (prefix.front() == '/') {
    return Unexpected(std::string("starts with '/': S3 keys have no leading slash"));
  }
  for (const char c : prefix) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return Unexpected(std::string("holds a control character"));
    if (c == '*' || c == '?') {
      return Unexpected(std::string("holds '") + c +
                        "', an IAM wildcard: it would grant more keys than it names");
    }
    if (c == '$') return Unexpected(std::string("holds '$', which IAM reads as a policy variable"));
  }
  return {};
}

Expected<AwsPolicies, ConfigError> build_aws_policies(const UrlAccess& access,
                                                      const AwsDeployment& deployment) {
  if (!valid_partition(deployment.partition)) {
    return fail("--partition", "'" + deployment.partition +
                                   "' is not an AWS partition (aws, aws-cn, aws-us-gov, ...)");
  }
  if (auto ok = config::check_bucket_name(deployment.bucket, "--bucket"); !ok) {
    return Unexpected(ok.error());
  }
  for (const std::string& prefix : deployment.prefixes) {
    if (auto ok = check_policy_prefix(prefix); !ok) {
      return fail("--prefix", "'" + prefix + "' " + ok.error());
    }
  }
  if (deployment.cors_origins.empty()) return fail("--cors-origin", "no CORS origin to allow");
  for (const std::string& origin : deployment.cors_origins) {
    // The API's configuration checked the form; these end up in the bucket's response headers.
    if (origin.empty() || std::any_of(origin.begin(), origin.end(), [](char c) {
          return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
        })) {
      return fail("--cors-origin", "'" + origin + "' is not an origin");
    }
  }

  std::vector<std::string> uploads = access.upload_prefixes;
  std::vector<std::string> downloads = access.download_prefixes;
  if (!deployment.prefixes.empty()) {
    uploads = minimal_prefixes(deployment.prefixes);
    if (!downloads.empty()) downloads = uploads;
  }
  if (uploads.empty()) return fail("profiles", "no upload profile to write a policy for");
  const std::string bucket_arn = "arn:" + deployment.partition + ":s3:::" + deployment.bucket;

  AwsPolicies out;
  json::array identity;
  // Multipart uploads (/v1/multipart, Uppy's /s3/multipart) are created, their parts PUT and
  // completed under s3:PutObject; resuming lists the parts and cancelling aborts, which S3
  // checks as actions of their own.
  identity.emplace_back(allow_statement(
      "UpgateUploads",
      json::array{"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
      bucket_arn, uploads));
  if (!downloads.empty()) {
    identity.emplace_back(
        allow_statement("UpgateDownloads", "s3:GetObject", bucket_arn, downloads));
  }
  out.iam_policy["Version"] = kPolicyVersion;
  out.iam_policy["Statement"] = std::move(identity);

  json::object deny;
  deny["Sid"] = "DenyInsecureTransport";
  deny["Effect"] = "Deny";
  deny["Principal"] = "*";
  deny["Action"] = "s3:*";
  deny["Resource"] = json::array{json::string(bucket_arn), json::string(bucket_arn + "/*")};
  deny["Condition"] = secure_transport_is("false");
  out.bucket_policy["Version"] = kPolicyVersion;
  out.bucket_policy["Statement"] = json::array{std::move(deny)};

  json::object rule;
  rule["AllowedHeaders"] = strings(access.browser_headers);
  rule["AllowedMethods"] = strings(access.methods());
  rule["AllowedOrigins"] = strings(deployment.cors_origins);
  rule["ExposeHeaders"] = json::array{"ETag"};
  rule["MaxAgeSeconds"] = deployment.cors_max_age.count();
  out.cors.emplace_back(std::move(rule));
  return out;
}

}  // namespace upgate::api
