#include "upgate/config/s3_target.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace upgate::config {
namespace {

using upgate::testing::TempDir;

class S3TargetTest : public ::testing::Test {
 protected:
  Environment env(std::map<std::string, std::string, std::less<>> vars = {}) {
    vars["HOME"] = dir.path();
    return Environment::from(std::move(vars));
  }
  TempDir dir;
};

TEST_F(S3TargetTest, NothingConfiguredMeansTheEmbeddedStore) {
  const auto target = resolve_s3_target(env(), {});
  ASSERT_TRUE(target) << target.error().describe();
  EXPECT_TRUE(target->embedded);
  EXPECT_EQ(target->endpoint_url, "http://127.0.0.1:9000");
  EXPECT_EQ(target->endpoint.host, "127.0.0.1");
  EXPECT_EQ(target->endpoint.port, 9000);
  EXPECT_TRUE(target->endpoint.path_style);
  EXPECT_EQ(target->bucket, "uploads");
  EXPECT_EQ(target->region, "us-east-1");
  EXPECT_FALSE(target->credentials.valid());
  EXPECT_EQ(target->credentials_source, "none");
}

TEST_F(S3TargetTest, SeedVariablesAreRead) {
  const auto target = resolve_s3_target(env({{"AWS_S3_BUCKET_NAME", "my-bucket"},
                                             {"AWS_REGION", "eu-west-1"},
                                             {"AWS_ACCESS_KEY_ID", "AKIDSEED"},
                                             {"AWS_SECRET_ACCESS_KEY", "secret"},
                                             {"AWS_SESSION_TOKEN", "token"}}),
                                        {});
  ASSERT_TRUE(target) << target.error().describe();
  EXPECT_EQ(target->bucket, "my-bucket");
  EXPECT_EQ(target->region, "eu-west-1");
  EXPECT_EQ(target->credentials.access_key_id, "AKIDSEED");
  EXPECT_EQ(target->credentials.secret_access_key.reveal(), "secret");
  EXPECT_EQ(target->credentials.session_token, "token");
  EXPECT_EQ(target->credentials_source, "environment");
}

TEST_F(S3TargetTest, EndpointVariablesArePathStyleAndS3SpecificWins) {
  const auto target = resolve_s3_target(env({{"AWS_ENDPOINT_URL", "http://generic:1"},
                                             {"AWS_ENDPOINT_URL_S3", "https://minio.local:9443"},
                                             {"AWS_ACCESS_KEY_ID", "A"},
                                             {"AWS_SECRET_ACCESS_KEY", "B"}}),
                                        {});
  ASSERT_TRUE(target) << target.error().describe();
  EXPECT_FALSE(target->embedded);
  EXPECT_EQ(target->endpoint.host, "minio.local");
  EXPECT_EQ(target->endpoint.port, 9443);
  EXPECT_TRUE(target->endpoint.path_style);
}

TEST_F(S3TargetTest, CaBundleVariableIsWhatUpgatesOwnCallsTrust) {
  const auto target = resolve_s3_target(env({{"AWS_ENDPOINT_URL", "https://rgw.internal:7480"},
                                             {"AWS_CA_BUNDLE", "/etc/upgate/rgw-ca.pem"},
                                             {"AWS_ACCESS_KEY_ID", "A"},
                                             {"AWS_SECRET_ACCESS_KEY", "B"}}),
                                        {});
  ASSERT_TRUE(target) << target.error().describe();
  EXPECT_EQ(target->ca_file, "/etc/upgate/rgw-ca.pem");
  EXPECT_EQ(target->connect_to, "");  // a remote endpoint is reached by its own name

  const auto unset = resolve_s3_target(env(), {});
  ASSERT_TRUE(unset) << unset.error().describe();
  EXPECT_EQ(unset->ca_file, "");  // the system's trust store
}

TEST_F(S3TargetTest, ExplicitSettingsBeatTheEnvironment) {
  S3Settings settings;
  settings.bucket = Sourced<std::string>{"from-flag", "--bucket"};
  settings.region = Sourced<std::string>{"ap-south-1", "--region"};
  const auto target = resolve_s3_target(
      env({{"AWS_S3_BUCKET_NAME", "from-env"}, {"AWS_REGION", "eu-west-1"}}), settings);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->bucket, "from-flag");
  EXPECT_EQ(target->region, "ap-south-1");
}

TEST_F(S3TargetTest, BadValuesNameTheirField) {
  auto bucket = resolve_s3_target(env({{"AWS_S3_BUCKET_NAME", "Bad_Bucket"}}), {});
  ASSERT_FALSE(bucket);
  EXPECT_EQ(bucket.error().field, "AWS_S3_BUCKET_NAME");

  auto region = resolve_s3_target(env({{"AWS_REGION", "EU WEST"}}), {});
  ASSERT_FALSE(region);
  EXPECT_EQ(region.error().field, "AWS_REGION");

  S3Settings settings;
  settings.endpoint = Sourced<std::string>{"ftp://example.com/path", "--endpoint"};
  auto endpoint = resolve_s3_target(env(), settings);
  ASSERT_FALSE(endpoint);
  EXPECT_EQ(endpoint.error().field, "--endpoint");
}

TEST_F(S3TargetTest, CallersThatNameTheBucketThemselvesSkipIt) {
  S3Settings settings;
  settings.resolve_bucket = false;
  const auto target =
      resolve_s3_target(env({{"AWS_S3_BUCKET_NAME", "Not_A_Bucket_Name"}}), settings);
  ASSERT_TRUE(target) << target.error().describe();
  EXPECT_EQ(target->bucket, "");
}

TEST_F(S3TargetTest, HalfACredentialPairIsRefused) {
  auto target = resolve_s3_target(env({{"AWS_ACCESS_KEY_ID", "A"}}), {});
  ASSERT_FALSE(target);
  EXPECT_EQ(target.error().field, "AWS_SECRET_ACCESS_KEY");
}

TEST_F(S3TargetTest, RemoteEndpointWithoutCredentialsIsRefused) {
  auto target = resolve_s3_target(env({{"AWS_ENDPOINT_URL_S3", "https://s3.example.com"}}), {});
  ASSERT_FALSE(target);
  EXPECT_EQ(target.error().field, "AWS_ACCESS_KEY_ID");
}

TEST_F(S3TargetTest, SecretWithControlCharactersIsRefusedWithoutQuotingIt) {
  auto target = resolve_s3_target(
      env({{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "abc\ndef-secret"}}), {});
  ASSERT_FALSE(target);
  EXPECT_EQ(target.error().field, "AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(target.error().describe().find("def-secret"), std::string::npos);
}

TEST_F(S3TargetTest, ProfileSuppliesCredentialsRegionAndEndpoint) {
  dir.write(".aws/credentials",
            "[dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = p\n");
  dir.write(".aws/config",
            "[profile dev]\nregion = sa-east-1\nendpoint_url = http://10.0.0.5:9000\n");
  const auto target = resolve_s3_target(env({{"AWS_PROFILE", "dev"}}), {});
  ASSERT_TRUE(target) << target.error().describe();
  EXPECT_EQ(target->credentials.access_key_id, "AKIDPROFILE");
  EXPECT_EQ(target->credentials_source, "profile dev");
  EXPECT_EQ(target->region, "sa-east-1");
  EXPECT_EQ(target->endpoint.host, "10.0.0.5");
  EXPECT_FALSE(target->embedded);
}

TEST_F(S3TargetTest, EnvironmentCredentialsBeatTheProfile) {
  dir.write(".aws/credentials", "[default]\naws_access_key_id = P\naws_secret_access_key = p\n");
  const auto target =
      resolve_s3_target(env({{"AWS_ACCESS_KEY_ID", "E"}, {"AWS_SECRET_ACCESS_KEY", "e"}}), {});
  ASSERT_TRUE(target);
  EXPECT_EQ(target->credentials.access_key_id, "E");
}

// The rule itself is s3::validate_bucket_name_syntax (naming_test.cpp); this is the
// configuration's use of it: the field it blames and the names it lets through.
TEST(BucketNames, CheckedByTheS3RuleNamingTheField) {
  EXPECT_TRUE(check_bucket_name("uploads", "s3.bucket"));
  EXPECT_TRUE(check_bucket_name("123", "s3.bucket"));  // all digits, yet no IP address
  EXPECT_TRUE(check_bucket_name("my-ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias", "s3.bucket"));
  const auto bad = check_bucket_name("a.-b", "AWS_S3_BUCKET_NAME");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "AWS_S3_BUCKET_NAME");
  EXPECT_EQ(bad.error().message,
            "'a.-b' is not a valid S3 bucket name (3-63 characters: lower-case letters, digits, "
            "'.' and '-')");
  EXPECT_FALSE(check_bucket_name("192.168.1.1", "s3.bucket"));
}

}  // namespace
}  // namespace upgate::config
