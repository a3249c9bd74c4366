// Server life cycle: binding (ephemeral port, port in use, bad address), both acceptor
// modes, and graceful shutdown (in-flight requests finish, new connections are refused,
// idle keep-alive connections are closed, stuck handlers cannot hold run() forever).
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <csignal>
#include <future>

namespace upgate::http {
namespace {

using namespace std::chrono_literals;
using test::connection_refused;
using test::hello;
using test::RawClient;

// Answers after `delay`; "/slow" in the tests.
Handler delayed(std::chrono::milliseconds delay, std::atomic<int>* started = nullptr) {
  return [delay, started](Exchange& ex) -> boost::asio::awaitable<void> {
    if (started) ++*started;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(delay);
    co_await timer.async_wait(boost::asio::use_awaitable);
    co_await ex.respond(Response::text(200, "finished"));
  };
}

using upgate::testing::eventually;

TEST(ServerTest, EphemeralPortIsBoundAndReported) {
  test::RunningServer server(test::test_config(), hello());
  EXPECT_NE(server.port(), 0);
  RawClient client(server.port());
  auto r = client.exchange(test::get_request("/"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello");
}

TEST(ServerTest, PortInUseIsAnErrorValueNamingTheAddress) {
  test::RunningServer first(test::test_config(), hello());
  for (bool reuse_port : {true, false}) {
    auto config = test::test_config();
    config.port = first.port();
    config.reuse_port = reuse_port;
    auto second = Server::create(config, hello());
    ASSERT_FALSE(second) << "reuse_port=" << reuse_port;
    EXPECT_EQ(second.error().code, ServerErrorCode::bind_failed);
    EXPECT_EQ(second.error().cause, std::errc::address_in_use) << second.error().cause.message();
    EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << second.error().message;
  }
}

TEST(ServerTest, BadAddressIsAnErrorValue) {
  auto config = test::test_config();
  config.address = "localhost:80";
  auto server = Server::create(config, hello());
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ServerErrorCode::bad_address);
}

TEST(ServerTest, SingleDistributingAcceptorServesManyConnections) {
  auto config = test::test_config();
  config.reuse_port = false;
  config.threads = 3;
  test::RunningServer server(config, hello());
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 12; ++i) clients.push_back(std::make_unique<RawClient>(server.port()));
  for (auto& c : clients) ASSERT_TRUE(c->send(test::get_request("/")));
  for (auto& c : clients) {
    auto r = c->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "hello");
  }
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 12; }));
}

TEST(ServerTest, StopBeforeRunMakesRunReturn) {
  auto server = Server::create(test::test_config(), hello());
  ASSERT_TRUE(server);
  (*server)->stop();
  auto done = std::async(std::launch::async, [&] { (*server)->run(); });
  EXPECT_EQ(done.wait_for(10s), std::future_status::ready);
}

TEST(ServerTest, GracefulShutdownFinishesInFlightRequestAndRefusesNewConnections) {
  std::atomic<int> started{0};
  test::RunningServer server(test::test_config(), delayed(700ms, &started));
  RawClient in_flight(server.port());
  ASSERT_TRUE(in_flight.send(test::get_request("/slow")));
  ASSERT_TRUE(eventually([&] { return started.load() == 1; }));

  server.server().stop();
  EXPECT_TRUE(eventually([&] { return connection_refused(server.port()); }));

  auto r = in_flight.read_response();
  ASSERT_TRUE(r) << "the in-flight request must be answered";
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_TRUE(in_flight.peer_closed());
  server.thread().join();  // run() returned
}

TEST(ServerTest, ShutdownClosesIdleKeepAliveConnections) {
  test::RunningServer server(test::test_config(), hello());
  RawClient idle(server.port());
  ASSERT_TRUE(idle.send(test::get_request("/")));
  ASSERT_TRUE(idle.read_response());
  server.server().stop();
  EXPECT_TRUE(idle.peer_closed());
  server.thread().join();
}

TEST(ServerTest, GraceExpiryClosesConnectionsOfStuckHandlers) {
  auto config = test::test_config();
  config.shutdown_grace = 200ms;
  std::atomic<int> started{0};
  test::RunningServer server(config, delayed(60s, &started));
  RawClient stuck(server.port(), 20s);
  ASSERT_TRUE(stuck.send(test::get_request("/forever")));
  ASSERT_TRUE(eventually([&] { return started.load() == 1; }));
  server.server().stop();
  EXPECT_TRUE(stuck.peer_closed());
  auto joined = std::async(std::launch::async, [&] { server.thread().join(); });
  EXPECT_EQ(joined.wait_for(20s), std::future_status::ready) << "run() waited for the handler";
}

TEST(ServerTest, BodyReadCutByShutdownSaysSo) {
  auto config = test::test_config();
  config.shutdown_grace = 200ms;
  std::atomic<int> started{0};
  std::atomic<int> outcome{-1};
  Handler reader = [&](Exchange& ex) -> boost::asio::awaitable<void> {
    ++started;
    std::array<char, 1024> buffer;
    while (true) {
      auto n = co_await ex.read_body_some(buffer);
      if (!n) {
        outcome = static_cast<int>(n.error());
        co_return;
      }
      if (*n == 0) break;
    }
    outcome = 100;
    co_await ex.respond(Response::text(200, "complete"));
  };
  test::RunningServer server(config, reader);
  RawClient uploader(server.port(), 20s);
  ASSERT_TRUE(
      uploader.send("PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\nstart"));
  ASSERT_TRUE(eventually([&] { return started.load() == 1; }));
  server.server().stop();
  EXPECT_TRUE(uploader.peer_closed());
  server.thread().join();
  EXPECT_EQ(outcome.load(), static_cast<int>(BodyError::shutting_down));
}

TEST(ServerTest, SigtermStopsTheServer) {
  auto server = Server::create(test::test_config(), hello());
  ASSERT_TRUE(server);
  (*server)->stop_on_signals();
  auto done = std::async(std::launch::async, [&] { (*server)->run(); });
  RawClient client((*server)->port());
  ASSERT_TRUE(client.send(test::get_request("/")));
  ASSERT_TRUE(client.read_response());
  ::kill(::getpid(), SIGTERM);
  EXPECT_EQ(done.wait_for(10s), std::future_status::ready);
}

}  // namespace
}  // namespace upgate::http
