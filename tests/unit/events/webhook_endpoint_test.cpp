#include "upgate/events/webhook_endpoint.hpp"

#include <gtest/gtest.h>

namespace upgate::events {
namespace {

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// BROKEN holds the base64 of 20 bytes: too short for a webhook secret.
config::Environment environment() {
  return config::Environment::from(
      {{"HOOK_SECRET", kSecret},
       {"ROTATING", std::string("whsec_b3qFkJumsbzH0t3o8/4JFB8qNUBLVmFsd4KNmKOuucQ= ") + kSecret},
       {"BROKEN", "whsec_dHdlbnR5LWJ5dGUtc2VjcmV0ISE="}});
}

WebhookEndpointConfig config() {
  WebhookEndpointConfig c;
  c.url = "https://app.example.com/hooks/upgate";
  c.secret_env = "HOOK_SECRET";
  return c;
}

EndpointError error_of(const WebhookEndpointConfig& c) {
  auto made = make_endpoint(c, environment());
  EXPECT_FALSE(made);
  return made ? EndpointError{} : made.error();
}

TEST(WebhookEndpoint, Defaults) {
  auto e = make_endpoint(config(), environment());
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->name, "https://app.example.com/hooks/upgate");
  EXPECT_EQ(e->secrets.size(), 1u);
  EXPECT_TRUE(e->events.empty());
  EXPECT_TRUE(e->profiles.empty());
  EXPECT_EQ(e->max_in_flight, 4u);
  EXPECT_EQ(e->timeout, std::chrono::seconds(15));
}

TEST(WebhookEndpoint, RotationSecretsAndFilters) {
  WebhookEndpointConfig c = config();
  c.name = "app";
  c.secret_env = "ROTATING";
  c.events = {"upload.completed", "upload.rejected", "upload.completed"};
  c.profiles = {"photos"};
  c.max_in_flight = 16;
  c.timeout_seconds = 30;
  auto e = make_endpoint(c, environment());
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->name, "app");
  EXPECT_EQ(e->secrets.size(), 2u);
  EXPECT_EQ(e->events,
            (std::vector<EventType>{EventType::kUploadCompleted, EventType::kUploadRejected}));
  EXPECT_EQ(e->max_in_flight, 16u);
  EXPECT_EQ(e->timeout, std::chrono::seconds(30));
}

TEST(WebhookEndpoint, EachFieldNamedWhenWrong) {
  WebhookEndpointConfig c = config();
  c.url = "ftp://app.example.com/";
  EXPECT_EQ(error_of(c).field, "url");
  c.url = "https://user:pw@app.example.com/";
  EXPECT_EQ(error_of(c).field, "url");
  c.url = "/relative";
  EXPECT_EQ(error_of(c).field, "url");
  c = config();
  c.secret_env = "";
  EXPECT_EQ(error_of(c).field, "secret_env");
  c.secret_env = "NOT-A-NAME";
  EXPECT_EQ(error_of(c).field, "secret_env");
  c.secret_env = "UNSET_VARIABLE";
  const EndpointError unset = error_of(c);
  EXPECT_EQ(unset.field, "secret_env");
  EXPECT_NE(unset.message.find("UNSET_VARIABLE"), std::string::npos);
  c = config();
  c.events = {"upload.completed", "upload.started"};
  EXPECT_EQ(error_of(c).field, "events[1]");
  c = config();
  c.profiles = {""};
  EXPECT_EQ(error_of(c).field, "profiles[0]");
  c = config();
  c.max_in_flight = 0;
  EXPECT_EQ(error_of(c).field, "max_in_flight");
  c = config();
  c.timeout_seconds = 301;
  EXPECT_EQ(error_of(c).field, "timeout_seconds");
  c = config();
  c.name = "line\nbreak";
  EXPECT_EQ(error_of(c).field, "name");
}

TEST(WebhookEndpoint, UpgatesOwnQueueNamesAreReserved) {
  auto c = config();
  c.name = "upgate:verify-report";
  EXPECT_EQ(error_of(c).field, "name");
  c.name = "my-upgate:app";
  EXPECT_TRUE(make_endpoint(c, environment()));
}

TEST(WebhookEndpoint, ABadSecretIsNamedNeverShown) {
  WebhookEndpointConfig c = config();
  c.secret_env = "BROKEN";
  const EndpointError e = error_of(c);
  EXPECT_EQ(e.field, "secret_env");
  EXPECT_NE(e.message.find("BROKEN"), std::string::npos);
  EXPECT_EQ(e.message.find("dHdlbnR5"), std::string::npos) << e.message;
}

TEST(WebhookEndpoint, Routing) {
  WebhookEndpointConfig photos = config();
  photos.name = "photos";
  photos.profiles = {"photos"};
  photos.events = {"upload.completed"};
  WebhookEndpointConfig everything = config();
  everything.name = "audit";
  const std::vector<WebhookEndpoint> endpoints = {*make_endpoint(photos, environment()),
                                                  *make_endpoint(everything, environment())};
  Event e;
  e.type = EventType::kUploadCompleted;
  e.profile = "photos";
  EXPECT_EQ(subscribers(endpoints, e), (std::vector<std::string>{"photos", "audit"}));
  e.type = EventType::kObjectDeleted;
  EXPECT_EQ(subscribers(endpoints, e), (std::vector<std::string>{"audit"}));
  e.type = EventType::kUploadCompleted;
  e.profile = "docs";
  EXPECT_EQ(subscribers(endpoints, e), (std::vector<std::string>{"audit"}));
  e.profile.clear();  // a storage event for an upload upgate did not sign
  EXPECT_EQ(subscribers(endpoints, e), (std::vector<std::string>{"audit"}));
}

}  // namespace
}  // namespace upgate::events
