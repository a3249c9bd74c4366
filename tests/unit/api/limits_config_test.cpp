// [limits], the profiles' limit keys and [server] trusted_proxies, as upgate.toml and the
// UPGATE_* variables write them.
#include <gtest/gtest.h>

#include "support/api_config_fixture.hpp"
#include "upgate/api/api_config.hpp"

namespace upgate::api {
namespace {

class LimitsConfigTest : public upgate::testing::ApiConfigFixture {};

constexpr std::string_view kProfile = R"(
[profiles.avatars]
folder = "avatars"
)";

TEST_F(LimitsConfigTest, NoLimitsByDefault) {
  const auto config = parse(kProfile);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_FALSE(config->limits.rate);
  EXPECT_FALSE(config->limits.quota);
  EXPECT_FALSE(config->limits.redis);
  EXPECT_EQ(config->limits.on_store_error, limits::StoreErrorPolicy::deny);
  EXPECT_TRUE(config->trusted_proxies.empty());
  EXPECT_FALSE(config->profiles.profiles()[0].limits.any());
}

TEST_F(LimitsConfigTest, EveryKeyRead) {
  const auto config = parse(R"(
[server]
trusted_proxies = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]

[limits]
rate = "600/min"
burst = 100
quota = "50 GiB/day"
redis_url = "redis://cache.internal:6380/2"
on_store_error = "allow"
max_keys = 5000

[profiles.avatars]
folder = "avatars"
rate = "60/min"
burst = 10
quota = "10 GiB/h"
max_open_uploads = 5
)");
  ASSERT_TRUE(config) << config.error().describe();
  ASSERT_TRUE(config->limits.rate);
  EXPECT_EQ(config->limits.rate->count, 600u);
  EXPECT_EQ(config->limits.rate->burst, 100u);
  ASSERT_TRUE(config->limits.quota);
  EXPECT_EQ(config->limits.quota->bytes, 50ULL << 30);
  EXPECT_EQ(config->limits.quota->window, std::chrono::seconds(86400));
  ASSERT_TRUE(config->limits.redis);
  EXPECT_EQ(config->limits.redis->host, "cache.internal");
  EXPECT_EQ(config->limits.redis->port, 6380);
  EXPECT_EQ(config->limits.redis->database, 2u);
  EXPECT_EQ(config->limits.on_store_error, limits::StoreErrorPolicy::allow);
  EXPECT_EQ(config->limits.max_keys, 5000u);

  const ProfileLimits& p = config->profiles.profiles()[0].limits;
  ASSERT_TRUE(p.rate);
  EXPECT_EQ(p.rate->count, 60u);
  EXPECT_EQ(p.rate->period, std::chrono::seconds(60));
  EXPECT_EQ(p.rate->burst, 10u);
  ASSERT_TRUE(p.quota);
  EXPECT_EQ(p.quota->window, std::chrono::seconds(3600));
  ASSERT_TRUE(p.max_open_uploads);
  EXPECT_EQ(p.max_open_uploads->max, 5u);

  EXPECT_TRUE(config->trusted_proxies.contains(boost::asio::ip::make_address("10.1.2.3")));
  EXPECT_TRUE(config->trusted_proxies.contains(boost::asio::ip::make_address("192.0.2.7")));
  EXPECT_FALSE(config->trusted_proxies.contains(boost::asio::ip::make_address("192.0.2.8")));
  EXPECT_TRUE(config->trusted_proxies.contains(boost::asio::ip::make_address("2001:db8:5::1")));
}

TEST_F(LimitsConfigTest, BurstDefaultsToTheCount) {
  const auto config = parse(std::string(kProfile) + "rate = \"30/s\"\n");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->profiles.profiles()[0].limits.rate->burst, 30u);
}

TEST_F(LimitsConfigTest, EveryBadValueIsNamed) {
  const std::string profile(kProfile);
  EXPECT_EQ(refusal(profile + "rate = \"60/m\"\n").field, "profiles.avatars.rate");
  EXPECT_EQ(refusal(profile + "rate = 60\n").field, "profiles.avatars.rate");
  EXPECT_EQ(refusal(profile + "burst = 5\n").field, "profiles.avatars.burst");
  EXPECT_EQ(refusal(profile + "rate = \"1/s\"\nburst = 0\n").field, "profiles.avatars.burst");
  EXPECT_EQ(refusal(profile + "quota = \"10 GiB/week\"\n").field, "profiles.avatars.quota");
  EXPECT_EQ(refusal(profile + "max_open_uploads = 0\n").field, "profiles.avatars.max_open_uploads");
  EXPECT_EQ(refusal(profile + "max_open_uploads = 100001\n").field,
            "profiles.avatars.max_open_uploads");
  EXPECT_EQ(refusal("[limits]\nrate = \"x\"\n" + profile).field, "limits.rate");
  EXPECT_EQ(refusal("[limits]\nburst = 3\n" + profile).field, "limits.burst");
  EXPECT_EQ(refusal("[limits]\nquota = \"5\"\n" + profile).field, "limits.quota");
  EXPECT_EQ(refusal("[limits]\non_store_error = \"open\"\n" + profile).field,
            "limits.on_store_error");
  EXPECT_EQ(refusal("[limits]\nmax_keys = 10\n" + profile).field, "limits.max_keys");
  EXPECT_EQ(refusal("[limits]\nredis = \"x\"\n" + profile).field, "limits.redis");
  EXPECT_EQ(refusal("[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n" + profile).field,
            "server.trusted_proxies");
  EXPECT_EQ(refusal("[server]\ntrusted_proxies = [\"proxy.internal\"]\n" + profile).field,
            "server.trusted_proxies");
}

TEST_F(LimitsConfigTest, ARedisUrlErrorNeverRepeatsThePassword) {
  const auto error =
      refusal("[limits]\nredis_url = \"redis://u:s3cr/et@host:x/1\"\n" + std::string(kProfile));
  EXPECT_EQ(error.field, "limits.redis_url");
  EXPECT_EQ(error.describe().find("s3cr"), std::string::npos) << error.describe();
  EXPECT_EQ(refusal("[limits]\nredis_url = \"rediss://host\"\n" + std::string(kProfile)).field,
            "limits.redis_url");
}

TEST_F(LimitsConfigTest, VariablesOverTheFile) {
  const auto config = parse(R"(
[server]
trusted_proxies = ["10.0.0.0/8"]
[limits]
redis_url = "redis://file-host"
)" + std::string(kProfile),
                            {},
                            {{"UPGATE_REDIS_URL", "redis://:pw@env-host:7000"},
                             {"UPGATE_TRUSTED_PROXIES", "127.0.0.1, ::1"}});
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->limits.redis->host, "env-host");
  EXPECT_EQ(config->limits.redis->port, 7000);
  EXPECT_FALSE(config->trusted_proxies.contains(boost::asio::ip::make_address("10.0.0.1")));
  EXPECT_TRUE(config->trusted_proxies.contains(boost::asio::ip::make_address("::1")));
  EXPECT_EQ(refusal(kProfile, {{"UPGATE_TRUSTED_PROXIES", "nope"}}).field,
            "UPGATE_TRUSTED_PROXIES");
  EXPECT_EQ(refusal(kProfile, {{"UPGATE_REDIS_URL", "http://x"}}).field, "UPGATE_REDIS_URL");
}

}  // namespace
}  // namespace upgate::api
