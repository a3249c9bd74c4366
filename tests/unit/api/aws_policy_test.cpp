#include "upgate/api/aws_policy.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "upgate/s3/cors.hpp"

namespace upgate::api {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

UrlAccess two_folders() {
  UrlAccess access;
  access.upload_prefixes = {"docs/", "users/avatars/"};
  access.download_prefixes = {"users/avatars/"};
  access.browser_headers = {"Content-Type", "If-None-Match", "x-amz-checksum-sha256",
                            "x-amz-meta-*"};
  return access;
}

AwsDeployment deployment() {
  AwsDeployment d;
  d.bucket = "my-uploads";
  d.cors_origins = {"https://app.example.com"};
  d.cors_max_age = std::chrono::seconds(600);
  return d;
}

json::value tls_only(std::string_view value) {
  return json::parse(R"({"Bool":{"aws:SecureTransport":")" + std::string(value) + R"("}})");
}

// Multipart: create, part PUTs and complete are s3:PutObject; the API's list (resume) and
// abort are s3:ListMultipartUploadParts and s3:AbortMultipartUpload, on the same keys.
TEST(AwsPolicy, IdentityPolicyGrantsPutMultipartAndGetOnlyUnderThePrefixesOverTls) {
  const auto policies = build_aws_policies(two_folders(), deployment());
  ASSERT_TRUE(policies) << policies.error().describe();
  EXPECT_EQ(json::value(policies->iam_policy), json::parse(R"({
    "Version": "2012-10-17",
    "Statement": [
      {"Sid": "UpgateUploads", "Effect": "Allow",
       "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
       "Resource": ["arn:aws:s3:::my-uploads/docs/*", "arn:aws:s3:::my-uploads/users/avatars/*"],
       "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
      {"Sid": "UpgateDownloads", "Effect": "Allow", "Action": "s3:GetObject",
       "Resource": ["arn:aws:s3:::my-uploads/users/avatars/*"],
       "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    ]})"));
}

TEST(AwsPolicy, BucketPolicyOnlyDeniesPlainHttp) {
  const auto policies = build_aws_policies(two_folders(), deployment());
  ASSERT_TRUE(policies);
  const json::array& statements = policies->bucket_policy.at("Statement").as_array();
  ASSERT_EQ(statements.size(), 1u);
  const json::object& deny = statements[0].as_object();
  EXPECT_EQ(deny.at("Effect"), "Deny");
  EXPECT_EQ(deny.at("Principal"), "*");
  EXPECT_EQ(deny.at("Action"), "s3:*");
  EXPECT_EQ(deny.at("Resource"),
            json::parse(R"(["arn:aws:s3:::my-uploads", "arn:aws:s3:::my-uploads/*"])"));
  EXPECT_EQ(deny.at("Condition"), tls_only("false"));
  EXPECT_EQ(policies->bucket_policy.at("Version"), "2012-10-17");
}

TEST(AwsPolicy, CorsIsTheSeedsArrayFormAndTheStoreParsesIt) {
  const auto policies = build_aws_policies(two_folders(), deployment());
  ASSERT_TRUE(policies);
  const auto parsed = s3::parse_cors_json(json::serialize(policies->cors));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->rules.size(), 1u);
  const s3::CorsRule& rule = parsed->rules[0];
  EXPECT_EQ(rule.allowed_origins, Strings{"https://app.example.com"});
  EXPECT_EQ(rule.allowed_methods, (Strings{"PUT", "POST", "GET"}));
  EXPECT_EQ(rule.allowed_headers, two_folders().browser_headers);
  EXPECT_EQ(rule.expose_headers, Strings{"ETag"});
  EXPECT_EQ(rule.max_age_seconds, 600);
}

TEST(AwsPolicy, WithoutDownloadsThereIsNoGetAnywhere) {
  UrlAccess access = two_folders();
  access.download_prefixes.clear();
  const auto policies = build_aws_policies(access, deployment());
  ASSERT_TRUE(policies);
  const std::string all = json::serialize(policies->iam_policy) + json::serialize(policies->cors);
  EXPECT_EQ(all.find("GetObject"), std::string::npos);
  EXPECT_EQ(all.find("\"GET\""), std::string::npos);
  EXPECT_EQ(policies->iam_policy.at("Statement").as_array().size(), 1u);
}

TEST(AwsPolicy, GivenPrefixesReplaceTheProfilesForUploadsAndDownloads) {
  AwsDeployment d = deployment();
  d.prefixes = {"tenant-a/", "tenant-a/x/", "b/"};
  d.partition = "aws-cn";
  const auto policies = build_aws_policies(two_folders(), d);
  ASSERT_TRUE(policies) << policies.error().describe();
  const json::array& statements = policies->iam_policy.at("Statement").as_array();
  ASSERT_EQ(statements.size(), 2u);
  const json::value expected =
      json::parse(R"(["arn:aws-cn:s3:::my-uploads/b/*", "arn:aws-cn:s3:::my-uploads/tenant-a/*"])");
  EXPECT_EQ(statements[0].at("Resource"), expected);
  EXPECT_EQ(statements[1].at("Resource"), expected);
  EXPECT_EQ(policies->bucket_policy.at("Statement").at(0).at("Resource").at(0),
            "arn:aws-cn:s3:::my-uploads");
}

TEST(AwsPolicy, AnUnboundedProfileIsTheWholeBucketNotTheBucketItself) {
  UrlAccess access = two_folders();
  access.upload_prefixes = {""};
  const auto policies = build_aws_policies(access, deployment());
  ASSERT_TRUE(policies);
  EXPECT_EQ(policies->iam_policy.at("Statement").at(0).at("Resource"),
            json::parse(R"(["arn:aws:s3:::my-uploads/*"])"));
}

TEST(AwsPolicy, AnyOriginIsPassedOn) {
  AwsDeployment d = deployment();
  d.cors_origins = {"*"};
  const auto policies = build_aws_policies(two_folders(), d);
  ASSERT_TRUE(policies);
  EXPECT_EQ(policies->cors.at(0).at("AllowedOrigins"), json::parse(R"(["*"])"));
}

TEST(AwsPolicy, BadInputsAreRefusedNamingTheFlag) {
  const auto refused_field = [](const AwsDeployment& d) {
    const auto policies = build_aws_policies(two_folders(), d);
    return policies ? std::string("<accepted>") : policies.error().field;
  };
  for (const char* bucket : {"", "ab", "My_Bucket", "a..b", "192.168.1.1", "arn:aws:s3:::x"}) {
    AwsDeployment d = deployment();
    d.bucket = bucket;
    EXPECT_EQ(refused_field(d), "--bucket") << bucket;
  }
  for (const char* partition : {"", "azure", "aws-", "AWS", "aws-cn*", "aws_cn", "aws:cn"}) {
    AwsDeployment d = deployment();
    d.partition = partition;
    EXPECT_EQ(refused_field(d), "--partition") << partition;
  }
  for (const std::string& prefix : {std::string(""), std::string("a*"), std::string("photos/?"),
                                    std::string("${aws:username}/"), std::string("/uploads/"),
                                    std::string("a\nb"), std::string(1025, 'a')}) {
    AwsDeployment d = deployment();
    d.prefixes = {"ok/", prefix};
    EXPECT_EQ(refused_field(d), "--prefix") << prefix;
  }
  AwsDeployment no_origin = deployment();
  no_origin.cors_origins.clear();
  EXPECT_EQ(refused_field(no_origin), "--cors-origin");
  AwsDeployment bad_origin = deployment();
  bad_origin.cors_origins = {"https://a.example\r\nX-Evil: 1"};
  EXPECT_EQ(refused_field(bad_origin), "--cors-origin");
}

TEST(AwsPolicy, GoodPrefixesPass) {
  for (const char* prefix : {"uploads/", "a", "users/avatars/", "日本/"}) {
    EXPECT_TRUE(check_policy_prefix(prefix)) << prefix;
  }
}

}  // namespace
}  // namespace upgate::api
