// ApiServer during a drain: /readyz says 503 with the reason at once, while /healthz and
// the presign routes go on answering (with Connection: close) until the server stops.
#include "upgate/api/api_server.hpp"

#include <gtest/gtest.h>

#include <future>

#include "support/raw_http_client.hpp"
#include "support/temp_dir.hpp"

namespace upgate::api {
namespace {

using namespace std::chrono_literals;
using http::test::RawClient;

constexpr std::string_view kSeedBody =
    R"({"fileName":"a.jpg","fileType":"image/jpeg","fileSize":10,"folderName":"pics"})";

std::optional<http::test::ClientResponse> round_trip(std::uint16_t port,
                                                     const std::string& request) {
  RawClient client(port);
  if (!client.send(request)) return std::nullopt;
  return client.read_response();
}

std::optional<http::test::ClientResponse> get(std::uint16_t port, std::string_view path) {
  return round_trip(port, http::test::get_request(path));
}

std::optional<http::test::ClientResponse> presign(std::uint16_t port) {
  std::string request =
      "POST /api/s3/getPresignedUrl HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(kSeedBody.size()) + "\r\n\r\n";
  request += kSeedBody;
  return round_trip(port, request);
}

class ApiServerDrainTest : public ::testing::Test {
 protected:
  void start(std::function<bool()> ready = {}) {
    ApiFlags flags;
    flags.listen = "127.0.0.1:0";
    flags.threads = 1;
    flags.drain_seconds = kMaxDrainSeconds;  // only stop() ends this drain in the tests
    flags.endpoint = "http://127.0.0.1:9";
    auto parsed = parse_api_config(
        config::Environment::from({{"HOME", dir.path()},
                                   {"AWS_ACCESS_KEY_ID", "AKIDDRAINTEST"},
                                   {"AWS_SECRET_ACCESS_KEY", "drain-test-secret"}}),
        flags, std::nullopt);
    ASSERT_TRUE(parsed) << parsed.error().describe();
    ApiServerOptions options;
    options.ready = std::move(ready);
    auto runtime = ApiRuntime::create(std::move(*parsed));
    ASSERT_TRUE(runtime) << runtime.error().describe();
    auto created = ApiServer::create(std::move(*runtime), std::move(options));
    ASSERT_TRUE(created) << created.error().message;
    server = std::move(*created);
    running = std::async(std::launch::async, [this] { server->run(); });
  }
  void TearDown() override {
    if (!server) return;
    server->stop();
    EXPECT_EQ(running.wait_for(20s), std::future_status::ready);
  }

  upgate::testing::TempDir dir;
  std::unique_ptr<ApiServer> server;
  std::future<void> running;
};

TEST_F(ApiServerDrainTest, ReadyzTurns503AtOnceWhileTheRoutesServeOn) {
  start();
  auto ready = get(server->port(), "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, R"({"status":"ready"})");

  server->drain();

  auto readyz = get(server->port(), "/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 503);
  EXPECT_EQ(readyz->body, R"({"status":"not ready","reason":"shutting_down"})");
  EXPECT_EQ(readyz->get("content-type"), "application/json");
  EXPECT_EQ(readyz->get("cache-control"), "no-store");
  EXPECT_EQ(readyz->get("connection"), "close");

  auto healthz = get(server->port(), "/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  EXPECT_EQ(healthz->get("connection"), "close");

  auto url = presign(server->port());
  ASSERT_TRUE(url);
  EXPECT_EQ(url->status, 200) << url->body;
  EXPECT_NE(url->body.find(R"("ok":true)"), std::string::npos) << url->body;
  EXPECT_NE(url->body.find("X-Amz-Signature="), std::string::npos) << url->body;
  EXPECT_EQ(url->get("connection"), "close");
}

TEST_F(ApiServerDrainTest, ANotReadyDependencyIsNamedApartFromShuttingDown) {
  std::atomic<bool> store_up{false};
  start([&] { return store_up.load(); });
  auto waiting = get(server->port(), "/readyz");
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->status, 503);
  EXPECT_EQ(waiting->body, R"({"status":"not ready","reason":"dependency_unavailable"})");
  store_up = true;
  auto ready = get(server->port(), "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  server->drain();
  auto draining = get(server->port(), "/readyz");
  ASSERT_TRUE(draining);
  EXPECT_EQ(draining->status, 503);
  EXPECT_EQ(draining->body, R"({"status":"not ready","reason":"shutting_down"})");
}

}  // namespace
}  // namespace upgate::api
