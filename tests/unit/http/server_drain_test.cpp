// Server::drain(): the window between "stop sending me work" and stop(). While draining the
// server keeps accepting and serving, every response says Connection: close, draining()
// is true and the on_drain() callback has run once; the drain ends in stop() after
// drain_period, or earlier on stop() or a second signal.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"

#include <atomic>
#include <csignal>
#include <future>

namespace upgate::http {
namespace {

using namespace std::chrono_literals;
using test::connection_refused;
using test::hello;
using test::RawClient;

// A drain no test waits out: only stop() or a second signal can end it.
constexpr std::chrono::milliseconds kEndlessDrain = std::chrono::hours(1);
// Generous bound for run() to return once it should; it guards against hangs, it does not
// measure speed.
constexpr auto kReturnBound = 20s;

using upgate::testing::eventually;

// One request on a new connection.
std::optional<test::ClientResponse> fetch(std::uint16_t port) {
  return RawClient(port).exchange(test::get_request("/"));
}

ServerConfig draining_config(std::chrono::milliseconds period) {
  ServerConfig config = test::test_config();
  config.drain_period = period;
  return config;
}

TEST(ServerDrainTest, ServesOnWithConnectionCloseWhileDraining) {
  test::RunningServer server(draining_config(kEndlessDrain), hello());
  RawClient kept(server.port());
  auto before = kept.exchange(test::get_request("/"));
  ASSERT_TRUE(before);
  EXPECT_FALSE(before->has("connection")) << "keep-alive before the drain";
  EXPECT_FALSE(server.server().draining());

  server.server().drain();
  EXPECT_TRUE(server.server().draining());

  // A keep-alive connection opened before the drain is served once more, then let go.
  auto during = kept.exchange(test::get_request("/"));
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, 200);
  EXPECT_EQ(during->get("connection"), "close");
  EXPECT_TRUE(kept.peer_closed());

  // New connections are still accepted and served.
  for (int i = 0; i < 3; ++i) {
    auto fresh = fetch(server.port());
    ASSERT_TRUE(fresh) << "the server must still accept during the drain";
    EXPECT_EQ(fresh->status, 200);
    EXPECT_EQ(fresh->body, "hello");
    EXPECT_EQ(fresh->get("connection"), "close");
  }
  EXPECT_TRUE(server.server().draining());
}

TEST(ServerDrainTest, DrainPeriodEndsInStop) {
  test::RunningServer server(draining_config(300ms), hello());
  server.server().drain();
  auto joined = std::async(std::launch::async, [&] { server.thread().join(); });
  ASSERT_EQ(joined.wait_for(kReturnBound), std::future_status::ready)
      << "run() must return once the drain period is over";
  EXPECT_TRUE(connection_refused(server.port()));
}

TEST(ServerDrainTest, StopDuringTheDrainEndsItAtOnce) {
  test::RunningServer server(draining_config(kEndlessDrain), hello());
  server.server().drain();
  ASSERT_TRUE(fetch(server.port()));
  server.server().stop();
  auto joined = std::async(std::launch::async, [&] { server.thread().join(); });
  EXPECT_EQ(joined.wait_for(kReturnBound), std::future_status::ready)
      << "stop() must not wait for the rest of the drain";
}

TEST(ServerDrainTest, ZeroDrainPeriodMakesDrainAPlainStop) {
  auto created = Server::create(draining_config(0ms), hello());
  ASSERT_TRUE(created);
  Server& server = **created;
  std::atomic<int> drained{0};
  server.on_drain([&] { ++drained; });
  auto done = std::async(std::launch::async, [&] { server.run(); });
  ASSERT_TRUE(fetch(server.port()));
  server.drain();
  EXPECT_EQ(done.wait_for(kReturnBound), std::future_status::ready);
  EXPECT_TRUE(server.draining());
  EXPECT_EQ(drained.load(), 0) << "no drain happened, so nobody is told of one";
}

TEST(ServerDrainTest, OnDrainRunsOnceAndNotForAPlainStop) {
  std::atomic<int> drained{0};
  {
    auto created = Server::create(draining_config(kEndlessDrain), hello());
    ASSERT_TRUE(created);
    Server& server = **created;
    server.on_drain([&] { ++drained; });
    auto done = std::async(std::launch::async, [&] { server.run(); });
    server.drain();
    server.drain();
    ASSERT_TRUE(eventually([&] { return drained.load() > 0; }));
    server.stop();
    ASSERT_EQ(done.wait_for(kReturnBound), std::future_status::ready);
    EXPECT_EQ(drained.load(), 1);
  }
  {
    auto created = Server::create(draining_config(kEndlessDrain), hello());
    ASSERT_TRUE(created);
    Server& server = **created;
    server.on_drain([&] { ++drained; });
    auto done = std::async(std::launch::async, [&] { server.run(); });
    server.stop();
    ASSERT_EQ(done.wait_for(kReturnBound), std::future_status::ready);
    EXPECT_TRUE(server.draining()) << "a stopped server wants no new work either";
    server.drain();  // after stop(): nothing left to drain
    EXPECT_EQ(drained.load(), 1);
  }
}

TEST(ServerDrainTest, FirstSignalDrainsAndTheSecondStops) {
  auto created = Server::create(draining_config(kEndlessDrain), hello());
  ASSERT_TRUE(created);
  Server& server = **created;
  std::atomic<int> drained{0};
  server.on_drain([&] { ++drained; });
  server.stop_on_signals();
  auto done = std::async(std::launch::async, [&] { server.run(); });
  ASSERT_TRUE(fetch(server.port()));

  ::kill(::getpid(), SIGTERM);
  ASSERT_TRUE(eventually([&] { return drained.load() == 1; }));
  EXPECT_TRUE(server.draining());
  auto during = fetch(server.port());
  ASSERT_TRUE(during) << "the first signal must not stop accepting";
  EXPECT_EQ(during->status, 200);
  EXPECT_EQ(during->get("connection"), "close");
  EXPECT_NE(done.wait_for(100ms), std::future_status::ready);

  ::kill(::getpid(), SIGINT);
  EXPECT_EQ(done.wait_for(kReturnBound), std::future_status::ready)
      << "the second signal must end the drain";
  EXPECT_EQ(drained.load(), 1);
}

}  // namespace
}  // namespace upgate::http
