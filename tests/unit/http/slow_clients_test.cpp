// Slow clients and connection caps of the shared server, with real loopback sockets: a
// header trickled byte by byte is cut at the header deadline, a body sent below
// body_min_rate gets 408, a response read below send_min_rate is cut off, and connections
// beyond max_connections / max_connections_per_client are closed (or answered 503 in the
// owner's words with answer_over_capacity) and counted, their slots given back on close.
//
// No assertion is about elapsed time: each slow client goes on for a bounded number of
// steps (far more than the limits allow) and the test fails if it was never cut off.
#include <gtest/gtest.h>

#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace upgate::http {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

constexpr std::size_t kBigResponseBytes = 64 * 1024 * 1024;

Handler routes() {
  return [](Exchange& ex) -> boost::asio::awaitable<void> {
    const auto path = ex.request().path();
    if (path == "/body") {
      auto body = co_await ex.read_body(1024 * 1024);
      if (!body) co_return;  // the server answers for the failed read
      co_await ex.respond(Response::text(200, std::to_string(body->size())));
      co_return;
    }
    if (path == "/big") {
      if (!co_await ex.write_header(Response(200),
                                    BodyFraming::content_length(kBigResponseBytes))) {
        co_return;
      }
      const std::string piece(256 * 1024, 'z');
      for (std::size_t at = 0; at < kBigResponseBytes; at += piece.size()) {
        if (!co_await ex.write_body_chunk(piece)) co_return;
      }
      co_await ex.finish();
      co_return;
    }
    co_await ex.respond(Response::text(200, "ok"));
  };
}

// True once the server answered or closed: a read would not block.
bool server_spoke_or_closed(int fd) {
  char c;
  const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

// Sends `bytes` one at a time, `gap` apart, until the server answers or closes; the number
// sent, or nullopt when all of them went out first.
std::optional<std::size_t> trickle_until_cut(RawClient& client, std::string_view bytes,
                                             std::chrono::milliseconds gap) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (server_spoke_or_closed(client.fd())) return i;
    if (!client.send(bytes.substr(i, 1))) return i;
    std::this_thread::sleep_for(gap);
  }
  return std::nullopt;
}

TEST(SlowClientsTest, AHeaderThatNeverFinishesIsCutAtTheDeadlineWithoutAnAnswer) {
  auto config = test::test_config();
  config.read_header_timeout = 500ms;
  test::RunningServer server(config, routes());
  RawClient client(server.port(), 10s);
  // 20 ms apart: no gap comes near any timeout, yet the header can never be whole in time.
  const std::string header = "GET /ok HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(1000, 'a');
  const auto sent = trickle_until_cut(client, header, 20ms);
  ASSERT_TRUE(sent) << "the whole trickled header was read";
  EXPECT_EQ(client.read_until_close(), "") << "a header that never ended names no request";
  RawClient other(server.port());  // the server serves others as before
  auto r = other.exchange(test::get_request("/ok"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(SlowClientsTest, ABodyBelowTheMinimumRateGets408AndTheConnectionCloses) {
  auto config = test::test_config();
  config.body_min_rate = 1000;  // 300 bytes per 300 ms window of waiting
  config.min_rate_window = 300ms;
  ASSERT_EQ(config.body_idle_timeout, 30s);  // the idle timeout alone never fires here
  test::RunningServer server(config, routes());
  RawClient client(server.port(), 10s);
  ASSERT_TRUE(client.send("POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 10000\r\n\r\n"));
  const auto sent = trickle_until_cut(client, std::string(10000, 'b'), 20ms);  // ~50 B/s
  ASSERT_TRUE(sent) << "the whole trickled body was read";
  EXPECT_LT(*sent, 1000u);
  auto r = client.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(client.peer_closed());
}

TEST(SlowClientsTest, APromptBodyPassesTheMinimumRate) {
  auto config = test::test_config();
  config.body_min_rate = 1000;
  config.min_rate_window = 300ms;
  test::RunningServer server(config, routes());
  RawClient client(server.port());
  const std::string body(200'000, 'b');
  ASSERT_TRUE(client.send("POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n"));
  auto r = client.exchange(body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "200000");
}

TEST(SlowClientsTest, AResponseReadBelowTheSendRateIsCutOff) {
  auto config = test::test_config();
  // 19 MiB per 300 ms window of waiting: more than the kernel's buffers on both sides hold,
  // so the reader below is cut off once they are full, whatever their size.
  config.send_min_rate = 64 * 1024 * 1024;
  config.min_rate_window = 300ms;
  ASSERT_EQ(config.write_idle_timeout, 30s);  // the idle timeout alone never fires here
  test::RunningServer server(config, routes());
  RawClient client(server.port(), 10s);
  ASSERT_TRUE(client.send(test::get_request("/big")));
  // At most 64 KiB every 20 ms (about 3 MB/s): a reader that never stops, but reads far
  // below the rate, and would take the whole response within the step bound if not cut.
  std::size_t received = 0;
  std::vector<char> buffer(64 * 1024);
  for (int step = 0; step < 5'000; ++step) {
    const ssize_t n = ::recv(client.fd(), buffer.data(), buffer.size(), 0);
    if (n <= 0) break;
    received += static_cast<std::size_t>(n);
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_LT(received, kBigResponseBytes) << "the whole response went to a reader this slow";
}

TEST(SlowClientsTest, OverTheListenerCapANewConnectionIsClosedAndCounted) {
  auto config = test::test_config();
  config.max_connections = 2;
  test::RunningServer server(config, routes());
  RawClient first(server.port());
  RawClient second(server.port());
  for (RawClient* c : {&first, &second}) {
    ASSERT_TRUE(c->send(test::get_request("/ok")));
    auto r = c->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  RawClient refused(server.port());
  EXPECT_EQ(refused.read_until_close(), "");  // closed without a word
  EXPECT_EQ(server.server().refused_connections().listener, 1u);
  EXPECT_EQ(server.server().refused_connections().client, 0u);
}

TEST(SlowClientsTest, OverThePerClientCapTheOwnersWordsGoOutWith503AndTheSlotComesBack) {
  auto config = test::test_config();
  config.max_connections_per_client = 2;
  config.answer_over_capacity = true;
  config.error_renderer = [](const RefusalContext& c) {
    if (c.refusal != Refusal::over_capacity) return Response::status_only(c.status);
    Response out(c.status);
    out.set_body(R"({"error":{"code":"too_many_connections"}})", "application/json");
    return out;
  };
  test::RunningServer server(config, routes());
  auto first = std::make_unique<RawClient>(server.port());
  RawClient second(server.port());
  for (RawClient* c : {first.get(), &second}) {
    ASSERT_TRUE(c->send(test::get_request("/ok")));
    ASSERT_TRUE(c->read_response());
  }
  RawClient refused(server.port());
  auto r = refused.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->get("retry-after"), "1");
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_EQ(r->body, R"({"error":{"code":"too_many_connections"}})");
  EXPECT_TRUE(refused.peer_closed());
  EXPECT_EQ(server.server().refused_connections().client, 1u);
  EXPECT_EQ(server.server().refused_connections().listener, 0u);

  first.reset();  // its slot comes back once the server sees the close
  bool served = false;
  for (int attempt = 0; attempt < 200 && !served; ++attempt) {
    RawClient again(server.port());
    if (again.send(test::get_request("/ok"))) {
      auto answer = again.read_response();
      served = answer && answer->status == 200;
    }
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served) << "the closed connection's slot never came back";
}

}  // namespace
}  // namespace upgate::http
