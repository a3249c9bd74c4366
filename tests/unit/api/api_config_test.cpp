#include "upgate/api/api_config.hpp"

#include <gtest/gtest.h>

#include "support/api_config_fixture.hpp"

namespace upgate::api {
namespace {

class ApiConfigTest : public upgate::testing::ApiConfigFixture {};

TEST_F(ApiConfigTest, NoFileMeansSeedLikeDefaults) {
  const auto config = parse_api_config(env(), {}, std::nullopt);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->listen_host, "127.0.0.1");
  EXPECT_EQ(config->listen_port, 8080);
  ASSERT_EQ(config->profiles.profiles().size(), 1u);
  const UploadProfile& p = config->profiles.profiles()[0];
  EXPECT_TRUE(p.any_folder);
  EXPECT_EQ(p.max_size, 5u * 1024 * 1024);
  EXPECT_EQ(p.url_lifetime, std::chrono::seconds(300));
  EXPECT_TRUE(p.allowed_types.empty());
  EXPECT_TRUE(p.overwrite_protection);
  EXPECT_TRUE(config->s3.embedded);
  EXPECT_EQ(config->s3.bucket, "uploads");
  EXPECT_EQ(config->cors.allowed_origins,
            (std::vector<std::string>{"http://127.0.0.1:8080", "http://localhost:8080"}));
  EXPECT_FALSE(config->cors.allow_credentials);
  EXPECT_TRUE(config->log.access_log);
}

// The embedded store's bucket gets the abort rule by default; 0 turns it off.
TEST_F(ApiConfigTest, StoreAbortIncompleteDays) {
  const auto defaults = parse_api_config(env(), {}, std::nullopt);
  ASSERT_TRUE(defaults) << defaults.error().describe();
  EXPECT_EQ(defaults->store_abort_incomplete_days, 1u);
  for (const auto& [toml, days] : {std::pair{"[store]\nabort_incomplete_days = 0\n", 0u},
                                   std::pair{"[store]\nabort_incomplete_days = 7\n", 7u}}) {
    const auto config = parse(toml);
    ASSERT_TRUE(config) << config.error().describe();
    EXPECT_EQ(config->store_abort_incomplete_days, days) << toml;
  }
  for (std::string_view bad :
       {"[store]\nabort_incomplete_days = -1\n", "[store]\nabort_incomplete_days = 36501\n",
        "[store]\nabort_incomplete_days = \"1 day\"\n"}) {
    EXPECT_EQ(refused_field(bad), "store.abort_incomplete_days") << bad;
  }
}

TEST_F(ApiConfigTest, FullFile) {
  constexpr std::string_view kFullFile = R"(
[server]
listen = "0.0.0.0:9090"
threads = 2
drain_seconds = 5
demo_page = false

[s3]
endpoint = "https://s3.example.com"
region = "eu-west-1"
bucket = "media"
path_style = false

[cors]
allowed_origins = ["https://app.example.com"]
allow_credentials = true
max_age = "10m"

[log]
level = "warn"
access_log = false

[profiles.avatars]
folder = "users/avatars"
max_size = "2 MiB"
allowed_types = ["image/*"]
allowed_extensions = [".PNG", "jpg"]
url_lifetime = "2m"
key_template = "{folder}/{id}.{ext}"
overwrite_protection = false
content_disposition = "inline"
downloads = false

[profiles.docs]
folder = "docs"
max_size = 104857600
)";
  // A remote endpoint needs credentials.
  const auto without_keys = parse(kFullFile);
  ASSERT_FALSE(without_keys);
  EXPECT_EQ(without_keys.error().field, "AWS_ACCESS_KEY_ID");

  const auto config = parse_api_config(
      env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "secret"}}), {}, kFullFile);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->listen_host, "0.0.0.0");
  EXPECT_EQ(config->listen_port, 9090);
  EXPECT_EQ(config->threads, 2U);
  EXPECT_EQ(config->drain_period, std::chrono::seconds(5));
  EXPECT_FALSE(config->demo_page);
  EXPECT_EQ(config->s3.endpoint_url, "https://s3.example.com");
  EXPECT_FALSE(config->s3.endpoint.path_style);
  EXPECT_EQ(config->s3.region, "eu-west-1");
  EXPECT_EQ(config->s3.bucket, "media");
  EXPECT_EQ(config->cors.allowed_origins, std::vector<std::string>{"https://app.example.com"});
  EXPECT_TRUE(config->cors.allow_credentials);
  EXPECT_EQ(config->cors.max_age, std::chrono::seconds(600));
  EXPECT_EQ(config->log.level, "warn");
  EXPECT_FALSE(config->log.access_log);
  ASSERT_EQ(config->profiles.profiles().size(), 2U);
  const UploadProfile& p = config->profiles.profiles()[0];
  EXPECT_EQ(p.name, "avatars");
  EXPECT_EQ(p.folder, "users/avatars");
  EXPECT_EQ(p.max_size, 2u * 1024 * 1024);
  EXPECT_EQ(p.allowed_extensions, (std::vector<std::string>{"png", "jpg"}));
  EXPECT_EQ(p.url_lifetime, std::chrono::seconds(120));
  EXPECT_EQ(p.key_template.text(), "{folder}/{id}.{ext}");
  EXPECT_FALSE(p.overwrite_protection);
  EXPECT_EQ(p.disposition, Disposition::inline_);
  EXPECT_EQ(p.downloads, DownloadsMode::off);
  EXPECT_EQ(config->profiles.profiles()[1].max_size, 104857600U);
}

TEST_F(ApiConfigTest, EveryBadFieldIsNamed) {
  expect_refused_fields({
      {"[server]\nlisten = \"nonsense\"", "server.listen"},
      {"[server]\nlisten = 8080", "server.listen"},
      {"[server]\nthreads = -1", "server.threads"},
      {"[server]\nunknown = 1", "server.unknown"},
      {"[sever]\nlisten = \"x\"", "sever"},
      {"[s3]\nbucket = \"Bad_Bucket\"", "s3.bucket"},
      {"[s3]\nregion = \"EU\"", "s3.region"},
      {"[s3]\nendpoint = \"not a url\"", "s3.endpoint"},
      {"[cors]\nallowed_origins = [\"*\"]\nallow_credentials = true", "cors.allowed_origins"},
      {"[cors]\nallowed_origins = [\"https://a.com/path\"]", "cors.allowed_origins"},
      {"[cors]\nallowed_origins = [\"*\", \"https://a.com\"]", "cors.allowed_origins"},
      {"[log]\nlevel = \"loud\"", "log.level"},
      {"[profiles.p]\nmax_size = 10", "profiles.p.folder"},
      {"[profiles.p]\nfolder = \"../x\"", "profiles.p.folder"},
      {"[profiles.p]\nfolder = \"/abs\"", "profiles.p.folder"},
      {"[profiles.p]\nfolder = \"x\"\nmax_size = 0", "profiles.p.max_size"},
      {"[profiles.p]\nfolder = \"x\"\nmax_size = \"6 TiB\"", "profiles.p.max_size"},
      {"[profiles.p]\nfolder = \"x\"\nmax_size = \"lots\"", "profiles.p.max_size"},
      {"[profiles.p]\nfolder = \"x\"\nmax_size = 1.5", "profiles.p.max_size"},
      {"[profiles.p]\nfolder = \"x\"\nallowed_types = [\"png\"]", "profiles.p.allowed_types"},
      {"[profiles.p]\nfolder = \"x\"\nallowed_types = \"image/*\"", "profiles.p.allowed_types"},
      {"[profiles.p]\nfolder = \"x\"\nallowed_extensions = [\"p/ng\"]",
       "profiles.p.allowed_extensions"},
      {"[profiles.p]\nfolder = \"x\"\nurl_lifetime = 0", "profiles.p.url_lifetime"},
      {"[profiles.p]\nfolder = \"x\"\nurl_lifetime = 604801", "profiles.p.url_lifetime"},
      {"[profiles.p]\nfolder = \"x\"\nurl_lifetime = \"8d\"", "profiles.p.url_lifetime"},
      {"[profiles.p]\nfolder = \"x\"\nkey_template = \"{name}\"", "profiles.p.key_template"},
      {"[profiles.p]\nfolder = \"x\"\noverwrite_protection = \"yes\"",
       "profiles.p.overwrite_protection"},
      {"[profiles.p]\nfolder = \"x\"\ncontent_disposition = \"download\"",
       "profiles.p.content_disposition"},
      {"[profiles.p]\nfolder = \"x\"\nmax_sise = 1", "profiles.p.max_sise"},
      {"[profiles.p]\nfolder = \"x\"\nverify_content = \"loose\"", "profiles.p.verify_content"},
      {"[profiles.p]\nfolder = \"x\"\nquarantine = \"../q\"", "profiles.p.quarantine"},
      {"[profiles.p]\nfolder = \"x\"\non_mismatch = \"keep\"", "profiles.p.on_mismatch"},
      {"[profiles.\"bad name\"]\nfolder = \"x\"", "profiles.bad name"},
      {"[profiles.a]\nfolder = \"x\"\n[profiles.b]\nfolder = \"x\"", "profiles"},
      {"[profiles]\n", "profiles"},
      {"profiles = 1", "profiles"},
  });
}

TEST_F(ApiConfigTest, DownloadsTakesAModeOrTheOldBoolean) {
  const auto mode_of = [&](std::string_view value) {
    const auto config = parse("[profiles.p]\nfolder = \"x\"\ndownloads = " + std::string(value));
    EXPECT_TRUE(config) << value << ": " << config.error().describe();
    return config ? config->profiles.profiles()[0].downloads : DownloadsMode::off;
  };
  EXPECT_EQ(mode_of("\"owner\""), DownloadsMode::owner);
  EXPECT_EQ(mode_of("\"public\""), DownloadsMode::public_);
  EXPECT_EQ(mode_of("\"off\""), DownloadsMode::off);
  EXPECT_EQ(mode_of("true"), DownloadsMode::owner);
  EXPECT_EQ(mode_of("false"), DownloadsMode::off);
  EXPECT_EQ(parse("[profiles.p]\nfolder = \"x\"")->profiles.profiles()[0].downloads,
            DownloadsMode::owner);
  for (const char* bad : {"\"yes\"", "\"Owner\"", "1", "[\"owner\"]"}) {
    const auto config = parse("[profiles.p]\nfolder = \"x\"\ndownloads = " + std::string(bad));
    ASSERT_FALSE(config) << bad;
    EXPECT_EQ(config.error().field, "profiles.p.downloads");
    EXPECT_NE(config.error().message.find("\"authenticated\""), std::string::npos);
  }
}

TEST_F(ApiConfigTest, OwnershipRulesAreCheckedAtStartUp) {
  // Without [auth], every caller is anonymous: no principal to put in a key.
  EXPECT_EQ(refused_field("[profiles.p]\nfolder = \"x\"\n"
                          "key_template = \"{folder}/{principal}/{id}\""),
            "profiles.p.key_template");
  EXPECT_EQ(refused_field("[profiles.p]\nfolder = \"x\"\n"
                          "key_template = \"{folder}/{claim.org}/{id}\""),
            "profiles.p.key_template");
  EXPECT_EQ(refused_field("[profiles.p]\nfolder = \"x\"\ndownloads = \"authenticated\""),
            "profiles.p.downloads");
  EXPECT_EQ(refused_field("[profiles.p]\nfolder = \"x\"\nshared = \"yes\""), "profiles.p.shared");
  const auto shared = parse("[profiles.p]\nfolder = \"x\"\nshared = true");
  ASSERT_TRUE(shared) << shared.error().describe();
  EXPECT_TRUE(shared->profiles.profiles()[0].shared);
}

TEST_F(ApiConfigTest, CompletionVerificationKeys) {
  const auto config = parse(
      "[profiles.a]\nfolder = \"a\"\n"
      "[profiles.b]\nfolder = \"b\"\nverify_content = \"strict\"\nquarantine = \"held/b\"\n"
      "on_mismatch = \"delete\"\n"
      "[profiles.c]\nfolder = \"c\"\nverify_content = \"off\"\n");
  ASSERT_TRUE(config) << config.error().field << ": " << config.error().message;
  const auto& profiles = config->profiles.profiles();
  ASSERT_EQ(profiles.size(), 3U);
  // Defaults: the bytes must match the declared type; refused objects are quarantined.
  EXPECT_EQ(profiles[0].verify_content, events::VerifyContent::kDeclared);
  EXPECT_EQ(profiles[0].quarantine, "quarantine");
  EXPECT_EQ(profiles[0].on_mismatch, OnMismatch::quarantine);
  EXPECT_EQ(profiles[1].verify_content, events::VerifyContent::kStrict);
  EXPECT_EQ(profiles[1].quarantine, "held/b");
  EXPECT_EQ(profiles[1].on_mismatch, OnMismatch::remove);
  EXPECT_EQ(profiles[2].verify_content, events::VerifyContent::kOff);
}

TEST_F(ApiConfigTest, TomlSyntaxErrorNamesTheLine) {
  const auto config = parse("[server]\nlisten = \n");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().field.find("line 2"), std::string::npos) << config.error().describe();
}

TEST_F(ApiConfigTest, PrecedenceFlagsOverEnvOverFile) {
  const std::string_view toml =
      "[server]\nlisten = \"127.0.0.1:1111\"\n[s3]\nbucket = \"from-file\"\n";
  auto from_file = parse_api_config(env({{"AWS_S3_BUCKET_NAME", "from-aws-env"}}), {}, toml);
  ASSERT_TRUE(from_file) << from_file.error().describe();
  EXPECT_EQ(from_file->listen_port, 1111);
  EXPECT_EQ(from_file->s3.bucket, "from-file");

  auto from_env = parse_api_config(
      env({{"UPGATE_LISTEN", "127.0.0.1:2222"}, {"UPGATE_S3_BUCKET", "from-upgate-env"}}), {},
      toml);
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env->listen_port, 2222);
  EXPECT_EQ(from_env->s3.bucket, "from-upgate-env");

  ApiFlags flags;
  flags.listen = "127.0.0.1:3333";
  flags.bucket = "from-flag";
  auto from_flags = parse_api_config(
      env({{"UPGATE_LISTEN", "127.0.0.1:2222"}, {"UPGATE_S3_BUCKET", "from-upgate-env"}}), flags,
      toml);
  ASSERT_TRUE(from_flags);
  EXPECT_EQ(from_flags->listen_port, 3333);
  EXPECT_EQ(from_flags->s3.bucket, "from-flag");
}

TEST_F(ApiConfigTest, BadEnvAndFlagValuesNameTheirSource) {
  auto listen = parse_api_config(env({{"UPGATE_LISTEN", "x"}}), {}, std::nullopt);
  ASSERT_FALSE(listen);
  EXPECT_EQ(listen.error().field, "UPGATE_LISTEN");
  ApiFlags flags;
  flags.listen = "127.0.0.1:99999";
  auto flag = parse_api_config(env(), flags, std::nullopt);
  ASSERT_FALSE(flag);
  EXPECT_EQ(flag.error().field, "--listen");
  auto threads = parse_api_config(env({{"UPGATE_THREADS", "many"}}), {}, std::nullopt);
  ASSERT_FALSE(threads);
  EXPECT_EQ(threads.error().field, "UPGATE_THREADS");
  auto access = parse_api_config(env({{"UPGATE_ACCESS_LOG", "maybe"}}), {}, std::nullopt);
  ASSERT_FALSE(access);
  EXPECT_EQ(access.error().field, "UPGATE_ACCESS_LOG");
  auto origins =
      parse_api_config(env({{"UPGATE_CORS_ORIGINS", "https://a.com, ftp://b"}}), {}, std::nullopt);
  ASSERT_FALSE(origins);
  EXPECT_EQ(origins.error().field, "UPGATE_CORS_ORIGINS");
  auto bucket = parse_api_config(env({{"AWS_S3_BUCKET_NAME", "NO"}}), {}, std::nullopt);
  ASSERT_FALSE(bucket);
  EXPECT_EQ(bucket.error().field, "AWS_S3_BUCKET_NAME");
}

TEST_F(ApiConfigTest, AFlagOverridesAMalformedVariable) {
  ApiFlags flags;
  flags.threads = 4;
  flags.access_log = false;
  const auto config = parse_api_config(
      env({{"UPGATE_THREADS", "many"}, {"UPGATE_ACCESS_LOG", "maybe"}}), flags, std::nullopt);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->threads, 4U);
  EXPECT_FALSE(config->log.access_log);
  // Without the flag, the variable is what the file would have been overridden by.
  const auto refused =
      parse_api_config(env({{"UPGATE_THREADS", "many"}}), {}, "[server]\nthreads = 2\n");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "UPGATE_THREADS");
}

TEST_F(ApiConfigTest, ProfilesAndCorsCanBeReadWithoutTheS3Target) {
  // A remote endpoint without credentials, and an AWS profile that does not exist: both
  // stop `upgate serve`, neither matters to a command that only reads profiles and CORS.
  ApiFlags flags;
  flags.resolve_s3_target = false;
  const auto config = parse_api_config(
      env({{"AWS_ENDPOINT_URL_S3", "https://s3.example.com"}, {"AWS_PROFILE", "missing"}}), flags,
      "[profiles.p]\nfolder = \"pics\"\n[cors]\nallowed_origins = [\"https://a.example\"]\n");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->profiles.profiles()[0].folder, "pics");
  EXPECT_EQ(config->cors.allowed_origins, std::vector<std::string>{"https://a.example"});
  EXPECT_FALSE(parse_api_config(env({{"AWS_PROFILE", "missing"}}), {}, std::nullopt));
}

TEST_F(ApiConfigTest, DefaultCorsFollowsTheListenPort) {
  ApiFlags flags;
  flags.listen = "127.0.0.1:4321";
  const auto config = parse_api_config(env(), flags, std::nullopt);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->cors.allowed_origins[0], "http://127.0.0.1:4321");
}

TEST_F(ApiConfigTest, LoadReadsTheFileNamedByFlagOrVariable) {
  const std::string path = dir.write("upgate.toml", "[profiles.p]\nfolder = \"pics\"\n");
  ApiFlags flags;
  flags.config_path = path;
  auto config = load_api_config(env(), flags);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->config_path, path);
  EXPECT_EQ(config->profiles.profiles()[0].folder, "pics");
  auto via_env = load_api_config(env({{"UPGATE_CONFIG", path}}), {});
  ASSERT_TRUE(via_env);
  EXPECT_EQ(via_env->profiles.profiles()[0].name, "p");
  flags.config_path = dir.file("missing.toml");
  auto missing = load_api_config(env(), flags);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "--config");
}

TEST_F(ApiConfigTest, TheExampleFileInTheRepoLoads) {
  ApiFlags flags;
  flags.config_path = std::string(UPGATE_TEST_DATA_DIR) + "/../../upgate.example.toml";
  const auto config = load_api_config(env(), flags);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->profiles.profiles().size(), 3u);
  EXPECT_EQ(config->cors.allowed_origins.size(), 2u);
}

TEST(ParseListenAddress, Forms) {
  EXPECT_EQ(parse_listen_address("127.0.0.1:8080")->port, 8080);
  EXPECT_EQ(parse_listen_address(":0")->host, "127.0.0.1");
  EXPECT_EQ(parse_listen_address("localhost:1")->host, "127.0.0.1");
  EXPECT_EQ(parse_listen_address("[::1]:80")->host, "::1");
  for (const char* bad : {"", "8080", "::1:80", "host.example:80", "1.2.3.4:", "1.2.3.4:x",
                          "1.2.3.4:65536", "[::1]80"}) {
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
  }
}

TEST_F(ApiConfigTest, DrainPeriodDefaultsToZeroAndFollowsPrecedence) {
  const auto none = parse_api_config(env(), {}, std::nullopt);
  ASSERT_TRUE(none) << none.error().describe();
  EXPECT_EQ(none->drain_period, std::chrono::seconds(0));

  const std::string_view toml = "[server]\ndrain_seconds = 15\n";
  const auto from_file = parse(toml);
  ASSERT_TRUE(from_file) << from_file.error().describe();
  EXPECT_EQ(from_file->drain_period, std::chrono::seconds(15));

  const auto from_env = parse_api_config(env({{"UPGATE_DRAIN_SECONDS", "20"}}), {}, toml);
  ASSERT_TRUE(from_env) << from_env.error().describe();
  EXPECT_EQ(from_env->drain_period, std::chrono::seconds(20));

  ApiFlags flags;
  flags.drain_seconds = 0;  // an explicit 0 beats the file and the variable
  const auto from_flag = parse_api_config(env({{"UPGATE_DRAIN_SECONDS", "20"}}), flags, toml);
  ASSERT_TRUE(from_flag) << from_flag.error().describe();
  EXPECT_EQ(from_flag->drain_period, std::chrono::seconds(0));
}

TEST_F(ApiConfigTest, DrainPeriodOutOfRangeIsRefusedNamingItsSource) {
  for (const char* bad : {"-1", "3601", "1.5", "\"10\"", "true"}) {
    EXPECT_EQ(refused_field(std::string("[server]\ndrain_seconds = ") + bad),
              "server.drain_seconds")
        << bad;
  }
  for (const char* bad : {"-1", "3601", "10s", " 10", "99999999999999999999"}) {
    const auto config = parse_api_config(env({{"UPGATE_DRAIN_SECONDS", bad}}), {}, std::nullopt);
    ASSERT_FALSE(config) << bad;
    EXPECT_EQ(config.error().field, "UPGATE_DRAIN_SECONDS");
  }
  ApiFlags flags;
  flags.drain_seconds = 3601;
  const auto config = parse_api_config(env(), flags, std::nullopt);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "--drain-seconds");
  flags.drain_seconds = 3600;
  EXPECT_TRUE(parse_api_config(env(), flags, std::nullopt));
}

}  // namespace
}  // namespace upgate::api
