#include "upgate/config/aws_shared_config.hpp"

#include <gtest/gtest.h>

#include "support/aws_files_fixture.hpp"
#include "upgate/config/ini_file.hpp"

namespace upgate::config {
namespace {

class AwsSharedConfig : public upgate::testing::AwsFilesFixture {};

TEST_F(AwsSharedConfig, MissingFilesGiveAnEmptyDefaultProfile) {
  const auto profile = load_aws_profile(env());
  ASSERT_TRUE(profile) << profile.error().describe();
  EXPECT_FALSE(profile->found);
  EXPECT_EQ(profile->name, "default");
}

TEST_F(AwsSharedConfig, ReadsCredentialsAndConfigOfTheDefaultProfile) {
  dir.write("credentials",
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s3cr3t\n");
  dir.write("config", "[default]\nregion = eu-central-1\ns3 =\n  addressing_style = virtual\n");
  const auto profile = load_aws_profile(env());
  ASSERT_TRUE(profile) << profile.error().describe();
  EXPECT_TRUE(profile->found);
  EXPECT_EQ(profile->access_key_id, "AKIDDEFAULT");
  ASSERT_TRUE(profile->secret_access_key);
  EXPECT_EQ(profile->secret_access_key->reveal(), "s3cr3t");
  EXPECT_EQ(profile->region, "eu-central-1");
  EXPECT_EQ(profile->addressing_style, "virtual");
}

TEST_F(AwsSharedConfig, NamedProfileUsesProfilePrefixInConfigFile) {
  dir.write("credentials", "[work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = x\n");
  dir.write("config",
            "[profile work]\nregion = ap-south-1\nendpoint_url = http://a:1\n"
            "s3 =\n  endpoint_url = http://s3:2\n");
  const auto profile = load_aws_profile(env({{"AWS_PROFILE", "work"}}));
  ASSERT_TRUE(profile) << profile.error().describe();
  EXPECT_EQ(profile->name, "work");
  EXPECT_EQ(profile->access_key_id, "AKIDWORK");
  EXPECT_EQ(profile->region, "ap-south-1");
  EXPECT_EQ(profile->endpoint_url, "http://s3:2");  // the s3 sub-section wins
}

TEST_F(AwsSharedConfig, ExplicitArgumentOverridesAwsProfile) {
  dir.write("credentials",
            "[a]\naws_access_key_id = A\naws_secret_access_key = x\n"
            "[b]\naws_access_key_id = B\naws_secret_access_key = y\n");
  const auto profile = load_aws_profile(env({{"AWS_PROFILE", "a"}}), "b");
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->access_key_id, "B");
}

TEST_F(AwsSharedConfig, UnknownNamedProfileIsAnErrorNamingTheVariable) {
  dir.write("credentials", "[default]\naws_access_key_id = A\naws_secret_access_key = x\n");
  const auto profile = load_aws_profile(env({{"AWS_PROFILE", "nope"}}));
  ASSERT_FALSE(profile);
  EXPECT_EQ(profile.error().field, "AWS_PROFILE");
  EXPECT_NE(profile.error().message.find("nope"), std::string::npos);
}

TEST_F(AwsSharedConfig, HalfACredentialPairIsAnError) {
  dir.write("credentials", "[default]\naws_access_key_id = A\n");
  EXPECT_FALSE(load_aws_profile(env()));
}

TEST_F(AwsSharedConfig, UnsupportedCredentialSourcesAreNamed) {
  dir.write("config", "[profile role]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = d\n");
  const auto profile = load_aws_profile(env({{"AWS_PROFILE", "role"}}));
  ASSERT_FALSE(profile);
  EXPECT_NE(profile.error().message.find("role_arn"), std::string::npos);
}

TEST_F(AwsSharedConfig, CredentialProcessIsReadAsWritten) {
  dir.write("config", "[profile proc]\ncredential_process = /opt/bin/creds --name \"a b\"\n");
  const auto profile = load_aws_profile(env({{"AWS_PROFILE", "proc"}}));
  ASSERT_TRUE(profile) << profile.error().describe();
  EXPECT_EQ(profile->credential_process, "/opt/bin/creds --name \"a b\"");
  EXPECT_FALSE(profile->access_key_id);
}

TEST_F(AwsSharedConfig, MalformedFileErrorNamesFileAndLineButNotTheSecret) {
  dir.write("credentials", "[default]\naws_secret_access_key: SuperSecretValue123\n");
  const auto profile = load_aws_profile(env());
  ASSERT_FALSE(profile);
  const std::string text = profile.error().describe();
  EXPECT_NE(text.find("line 2"), std::string::npos) << text;
  EXPECT_NE(text.find("credentials"), std::string::npos) << text;
  EXPECT_EQ(text.find("SuperSecretValue123"), std::string::npos) << text;
}

TEST_F(AwsSharedConfig, OversizedOrNonRegularFilesAreRefused) {
  dir.write("credentials", std::string(kMaxIniBytes + 10, '#'));
  EXPECT_FALSE(load_aws_profile(env()));
  auto directory = env({{"AWS_SHARED_CREDENTIALS_FILE", dir.path()}});
  EXPECT_FALSE(load_aws_profile(directory));
}

TEST_F(AwsSharedConfig, HomeDirectoryIsTheDefaultLocation) {
  dir.write(".aws/credentials",
            "[default]\naws_access_key_id = HOMEKEY\naws_secret_access_key = x\n");
  const auto profile = load_aws_profile(Environment::from({{"HOME", dir.path()}}));
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->access_key_id, "HOMEKEY");
}

}  // namespace
}  // namespace upgate::config
