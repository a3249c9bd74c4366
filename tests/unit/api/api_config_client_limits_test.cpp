// The slow-client limits and connection caps of `upgate serve`'s two listeners as
// upgate.toml sets them: [server] for the API, [store] for the embedded store, the same
// keys, secure defaults for what the file leaves out, and a clear error for a bad value.
#include <gtest/gtest.h>

#include "support/api_config_fixture.hpp"
#include "upgate/api/api_config.hpp"

namespace upgate::api {
namespace {

using namespace std::chrono_literals;

class ApiConfigClientLimitsTest : public upgate::testing::ApiConfigFixture {};

TEST_F(ApiConfigClientLimitsTest, DefaultsAreOnForBothListeners) {
  const auto config = parse(std::nullopt);
  ASSERT_TRUE(config) << config.error().describe();
  for (const http::ClientLimits& limits : {config->clients, config->store_clients}) {
    EXPECT_EQ(limits.header_timeout, 10s);
    EXPECT_EQ(limits.body_min_rate, 512u);
    EXPECT_EQ(limits.send_min_rate, 512u);
    EXPECT_EQ(limits.min_rate_window, 10s);
    EXPECT_EQ(limits.max_connections, 20'000u);
    EXPECT_EQ(limits.max_connections_per_client, 0u);  // off: balancers and NATs share addresses
  }
}

TEST_F(ApiConfigClientLimitsTest, EachTableSetsItsOwnListener) {
  const auto config = parse(R"(
[server]
header_timeout = "5s"
body_min_rate = "1 KiB"
send_min_rate = 2048
min_rate_window = "1m"
max_connections = 100
max_connections_per_client = 8

[store]
max_connections_per_client = 32
)");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->clients.header_timeout, 5s);
  EXPECT_EQ(config->clients.body_min_rate, 1024u);
  EXPECT_EQ(config->clients.send_min_rate, 2048u);
  EXPECT_EQ(config->clients.min_rate_window, 60s);
  EXPECT_EQ(config->clients.max_connections, 100u);
  EXPECT_EQ(config->clients.max_connections_per_client, 8u);
  EXPECT_EQ(config->store_clients.max_connections_per_client, 32u);
  EXPECT_EQ(config->store_clients.header_timeout, 10s);  // untouched: the default
}

TEST_F(ApiConfigClientLimitsTest, BadValuesNameTheirKey) {
  expect_refused_fields({
      {"[server]\nheader_timeout = 0\n", "server.header_timeout"},
      {"[server]\nheader_timeout = \"2h\"\n", "server.header_timeout"},
      {"[server]\nmin_rate_window = \"soon\"\n", "server.min_rate_window"},
      {"[store]\nbody_min_rate = \"fast\"\n", "store.body_min_rate"},
      {"[store]\nsend_min_rate = \"2 GiB\"\n", "store.send_min_rate"},
      {"[server]\nmax_connections = -1\n", "server.max_connections"},
      {"[store]\nmax_connections_per_client = 99999999\n", "store.max_connections_per_client"},
      {"[store]\nmax_connection = 1\n", "store.max_connection"},
  });
}

}  // namespace
}  // namespace upgate::api
