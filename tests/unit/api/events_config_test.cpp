// [events] and [[webhooks]] in upgate.toml: read in order, every mistake named by its field.
#include "upgate/api/events_config.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

namespace upgate::api {
namespace {

using upgate::testing::results_of;

TEST(EventsConfig, WebhooksTablesAndTheEventsTableAreRead) {
  const auto settings = parse_events_settings(R"(
[events]
outbox = "/var/lib/upgate/events.db"
secret_env = "EVENTS_SECRET"
retry_window = "2h"
max_pending_reports = 500

[[webhooks]]
name = "app"
url = "https://app.example.com/hooks"
secret_env = "APP_SECRET"
events = ["upload.completed"]
max_in_flight = 2

[[webhooks]]
url = "http://127.0.0.1:9/other"
secret_env = "OTHER_SECRET"
)",
                                              "upgate.toml");
  ASSERT_TRUE(settings) << settings.error().describe();
  EXPECT_TRUE(settings->configured);
  EXPECT_EQ(settings->events.outbox, "/var/lib/upgate/events.db");
  EXPECT_EQ(settings->events.secret_env, "EVENTS_SECRET");
  EXPECT_EQ(settings->events.retry_window, std::chrono::hours(2));
  EXPECT_EQ(settings->events.max_pending_reports, 500u);
  ASSERT_EQ(settings->webhooks.size(), 2u);
  EXPECT_EQ(settings->webhooks[0].name, "app");
  EXPECT_EQ(settings->webhooks[0].events, std::vector<std::string>{"upload.completed"});
  EXPECT_EQ(settings->webhooks[0].max_in_flight, 2u);
  EXPECT_EQ(settings->webhooks[1].url, "http://127.0.0.1:9/other");
  EXPECT_EQ(settings->webhooks[1].timeout_seconds, 15u);
}

TEST(EventsConfig, WithoutEitherTableEventsAreOff) {
  auto settings = parse_events_settings("[s3]\nbucket = \"b\"\n", "upgate.toml");
  ASSERT_TRUE(settings);
  EXPECT_FALSE(settings->configured);
  EXPECT_EQ(settings->events.max_pending_reports, 100'000u);
  EXPECT_FALSE(load_events_settings("")->configured);
}

TEST(EventsConfig, BadEntriesNameTheirField) {
  auto field = [](std::string_view toml) {
    auto settings = parse_events_settings(toml, "upgate.toml");
    EXPECT_FALSE(settings) << toml;
    return settings ? std::string("<accepted>") : settings.error().field;
  };
  results_of(field).expect({
      {"[[webhooks]]\nsecret_env = \"S\"\n", "webhooks[0].url"},
      {"[[webhooks]]\nurl = \"http://a/\"\n", "webhooks[0].secret_env"},
      {"[[webhooks]]\nurl = \"http://a/\"\nsecret_env = \"S\"\n"
       "[[webhooks]]\nurl = \"http://a/\"\nsecret_env = \"S\"\ntimeout_seconds = 0\n",
       "webhooks[1].timeout_seconds"},
      {"[[webhooks]]\nurl = \"http://a/\"\nsecret_env = \"S\"\nsecret = \"x\"\n",
       "webhooks[0].secret"},
      {"webhooks = \"x\"\n", "webhooks"},
      {"[events]\nretry_window = 5\n", "events.retry_window"},
      {"[events]\nmax_pending_reports = 0\n", "events.max_pending_reports"},
  });
}

}  // namespace
}  // namespace upgate::api
