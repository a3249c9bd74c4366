#include "upgate/config/aws_credentials.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/aws_files_fixture.hpp"

namespace upgate::config {
namespace {

using namespace std::chrono;

const sys_seconds kNow = sys_days{year{2025} / 6 / 1} + hours(12);

TEST(CredentialsExpiration, ParsesWhatTheAwsToolsWrite) {
  EXPECT_EQ(parse_credentials_expiration("2025-06-01T13:00:00Z"), kNow + hours(1));
  EXPECT_EQ(parse_credentials_expiration("2025-06-01T13:00:00.999Z"), kNow + hours(1));
  EXPECT_EQ(parse_credentials_expiration("2025-06-01T13:00:00.123456789z"), kNow + hours(1));
  EXPECT_EQ(parse_credentials_expiration("2025-06-01T15:00:00+02:00"), kNow + hours(1));
  EXPECT_EQ(parse_credentials_expiration("2025-06-01t08:30:00-04:30"), kNow + hours(1));
  EXPECT_EQ(parse_credentials_expiration("2024-02-29T00:00:00Z"), sys_days{year{2024} / 2 / 29});
}

TEST(CredentialsExpiration, RefusesEverythingElse) {
  for (const char* bad :
       {"", "2025-06-01", "2025-06-01T13:00:00", "2025-06-01 13:00:00Z", "2025-06-01T13:00Z",
        "2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-06-01T24:00:00Z",
        "2025-06-01T13:60:00Z", "2025-06-01T13:00:00.Z", "2025-06-01T13:00:00+0200",
        "2025-06-01T13:00:00Z ", " 2025-06-01T13:00:00Z", "+2025-06-01T13:00:00Z", "1748782800",
        "2025-06-01T13:00:00.000000000000000000000000000000000000000000000000000Z"}) {
    EXPECT_FALSE(parse_credentials_expiration(bad)) << bad;
  }
}

TEST(CapUrlLifetime, TheCredentialsExpiryWins) {
  const seconds min = kMinUsefulUrlLifetime;
  EXPECT_EQ(cap_url_lifetime(seconds(300), std::nullopt, kNow, min), seconds(300));
  EXPECT_EQ(cap_url_lifetime(seconds(300), kNow + hours(1), kNow, min), seconds(300));
  EXPECT_EQ(cap_url_lifetime(seconds(300), kNow + seconds(300), kNow, min), seconds(300));
  EXPECT_EQ(cap_url_lifetime(seconds(300), kNow + seconds(120), kNow, min), seconds(120));
  EXPECT_EQ(cap_url_lifetime(seconds(300), kNow + seconds(30), kNow, min), seconds(30));
  EXPECT_EQ(cap_url_lifetime(seconds(300), kNow + seconds(29), kNow, min), std::nullopt);
  EXPECT_EQ(cap_url_lifetime(seconds(300), kNow, kNow, min), std::nullopt);
  EXPECT_EQ(cap_url_lifetime(seconds(300), kNow - hours(1), kNow, min), std::nullopt);
  // A profile that asks for less than the minimum gets it while the credentials last.
  EXPECT_EQ(cap_url_lifetime(seconds(10), kNow + seconds(20), kNow, min), seconds(10));
  EXPECT_EQ(cap_url_lifetime(seconds(10), kNow + seconds(5), kNow, min), std::nullopt);
}

class CredentialsChain : public upgate::testing::AwsFilesFixture {};

TEST_F(CredentialsChain, EnvironmentWithExpiration) {
  DefaultCredentialsChain chain(env({{"AWS_ACCESS_KEY_ID", "ASIAENV"},
                                     {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                     {"AWS_SESSION_TOKEN", "env-token"},
                                     {"AWS_CREDENTIAL_EXPIRATION", "2025-06-01T12:30:00Z"}}),
                                "");
  auto found = chain.resolve(kNow);
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(found->credentials.access_key_id, "ASIAENV");
  EXPECT_EQ(found->credentials.session_token, "env-token");
  EXPECT_EQ(found->expiration, kNow + minutes(30));
  EXPECT_EQ(found->source, "environment");
  EXPECT_TRUE(chain.watched_files().empty());  // the environment cannot change
}

TEST_F(CredentialsChain, EnvironmentExpirationMustBeValidAndInTheFuture) {
  auto with = [&](const char* expiration) {
    DefaultCredentialsChain chain(env({{"AWS_ACCESS_KEY_ID", "A"},
                                       {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                       {"AWS_CREDENTIAL_EXPIRATION", expiration}}),
                                  "");
    return chain.resolve(kNow);
  };
  auto malformed = with("soon");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().field, "AWS_CREDENTIAL_EXPIRATION");
  auto expired = with("2025-06-01T11:00:00Z");
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().field, "AWS_CREDENTIAL_EXPIRATION");
  EXPECT_NE(expired.error().message.find("expired at 2025-06-01T11:00:00.000Z"), std::string::npos);
  EXPECT_EQ(expired.error().describe().find("env-secret"), std::string::npos);
}

TEST_F(CredentialsChain, ProfileKeysThenCredentialProcess) {
  const auto process = script("creds.sh",
                              "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", "
                              "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"t\", "
                              "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
  dir.write("config", "[profile p]\ncredential_process = " + process + "\n");
  DefaultCredentialsChain chain(env({{"AWS_PROFILE", "p"}}), "");
  auto from_process = chain.resolve(kNow);
  ASSERT_TRUE(from_process) << from_process.error().describe();
  EXPECT_EQ(from_process->credentials.access_key_id, "ASIAPROC");
  EXPECT_EQ(from_process->credentials.session_token, "t");
  EXPECT_EQ(from_process->expiration, sys_days{year{2099} / 1 / 1});
  EXPECT_EQ(from_process->source, "profile p credential_process");
  EXPECT_EQ(chain.watched_files(),
            (std::vector<std::string>{dir.file("credentials"), dir.file("config")}));

  // Static keys of the same profile come first, as the AWS SDKs order them.
  dir.write("credentials", "[p]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = s\n");
  auto from_keys = chain.resolve(kNow);
  ASSERT_TRUE(from_keys) << from_keys.error().describe();
  EXPECT_EQ(from_keys->credentials.access_key_id, "AKIDSTATIC");
  EXPECT_FALSE(from_keys->expiration);
  EXPECT_EQ(from_keys->source, "profile p");
}

TEST_F(CredentialsChain, ProcessFailureIsAConfigErrorNamingTheSetting) {
  const auto process = script("fail.sh", "exit 7\n");
  dir.write("config", "[default]\ncredential_process = " + process + " --secret hunter2\n");
  DefaultCredentialsChain chain(env(), "");
  auto found = chain.resolve(kNow);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().field, "profile 'default' credential_process");
  EXPECT_EQ(found.error().message.find("hunter2"), std::string::npos);
  EXPECT_NE(found.error().message.find("exited with status 7"), std::string::npos);
}

TEST_F(CredentialsChain, ARoleBesideACredentialProcessIsRefused) {
  // The AWS tools would assume the role; signing as the process's principal would differ.
  dir.write("config",
            "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = d\n"
            "credential_process = /bin/true\n");
  DefaultCredentialsChain chain(env({{"AWS_PROFILE", "r"}}), "");
  auto found = chain.resolve(kNow);
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("role_arn"), std::string::npos);
}

TEST_F(CredentialsChain, NothingAnywhere) {
  DefaultCredentialsChain chain(env(), "");
  auto none = chain.find(kNow);
  ASSERT_TRUE(none) << none.error().describe();
  EXPECT_FALSE(*none);
  auto required = chain.resolve(kNow);
  ASSERT_FALSE(required);
  EXPECT_EQ(required.error().field, "AWS_ACCESS_KEY_ID");
}

TEST(CheckCredentials, NamesTheFieldNeverTheValue) {
  sigv4::Credentials c{"AKID", sigv4::SecretKey("bad secret value"), ""};
  auto refused = check_credentials(c, "k", "s", "t");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "s");
  EXPECT_EQ(refused.error().describe().find("bad secret"), std::string::npos);
  c = {"AKID", sigv4::SecretKey("ok"), std::string(4097, 'T')};
  EXPECT_EQ(check_credentials(c, "k", "s", "t").error().field, "t");
  c = {"AK ID", sigv4::SecretKey("ok"), ""};
  EXPECT_EQ(check_credentials(c, "k", "s", "t").error().field, "k");
  c = {"AKID", sigv4::SecretKey("ok"), "token"};
  EXPECT_TRUE(check_credentials(c, "k", "s", "t"));
}

}  // namespace
}  // namespace upgate::config
