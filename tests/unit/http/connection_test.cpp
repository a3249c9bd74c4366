// Behaviour of one connection as a client sees it on the wire: keep-alive, pipelining,
// limits (431/413), timeouts, streamed bodies in both directions, HEAD, Expect:
// 100-continue, and the observer record. Every test runs twice: over plain TCP (Plain/) and
// over TLS (Tls/), where each promise must hold just the same.
#include <gtest/gtest.h>

#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"
#include "test_certificates.hpp"

#include <upgate/http/router.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <vector>

namespace upgate::http {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using test::RunningServer;

// FNV-1a, so the streaming handler can prove it saw every byte in order.
std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

struct Observed {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::tuple<std::string, std::string, std::string, int, std::uint64_t, std::uint64_t>>
      records;  // method, path, route, status, in, out

  RequestObserver observer() {
    return [this](const RequestRecord& r) {
      std::lock_guard lock(mutex);
      records.emplace_back(std::string(r.method), std::string(r.path), std::string(r.route),
                           r.status, r.bytes_in, r.bytes_out);
      EXPECT_EQ(r.request_id.size(), 16u);
      changed.notify_all();
    };
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 5s, [&] { return records.size() >= n; });
  }
};

struct Counters {
  std::atomic<std::size_t> largest_read{0};
  std::atomic<int> reject_calls{0};
};

std::mutex& misuse_mutex() {
  static std::mutex m;
  return m;
}
std::string& misuse_report() {
  static std::string r;
  return r;
}

Router make_router(Counters& counters) {
  Router router;
  router.exact(Method::get, "/hello", [](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.respond(Response::text(200, "hello"));
  });
  router.exact(Method::post, "/echo", [](Exchange& ex) -> boost::asio::awaitable<void> {
    auto body = co_await ex.read_body(ex.body_limit());
    if (!body) co_return;  // the server answers 413/400
    co_await ex.respond(Response::text(200, std::move(*body)));
  });
  router.exact(Method::put, "/stream", [&counters](Exchange& ex) -> boost::asio::awaitable<void> {
    ex.set_body_limit(256ull * 1024 * 1024);
    std::vector<char> buffer(64 * 1024);
    std::uint64_t total = 0;
    std::uint64_t hash = 1469598103934665603ull;
    while (true) {
      auto n = co_await ex.read_body_some(buffer);
      if (!n) co_return;
      if (*n == 0) break;
      std::size_t seen = counters.largest_read.load();
      while (*n > seen && !counters.largest_read.compare_exchange_weak(seen, *n)) {
      }
      total += *n;
      hash = fnv1a(std::string_view(buffer.data(), *n), hash);
    }
    co_await ex.respond(Response::text(200, std::to_string(total) + " " + std::to_string(hash)));
  });
  router.exact(Method::post, "/reject", [&counters](Exchange& ex) -> boost::asio::awaitable<void> {
    ++counters.reject_calls;
    co_await ex.respond(Response::text(403, "denied"));
  });
  router.exact(Method::get, "/chunked", [](Exchange& ex) -> boost::asio::awaitable<void> {
    Response head(200);
    head.add_header("Content-Type", "text/plain");
    if (!co_await ex.write_header(head, BodyFraming::chunked())) co_return;
    for (int i = 0; i < 100; ++i) {
      const std::string piece = "piece-" + std::to_string(i) + ";";
      if (!co_await ex.write_body_chunk(piece)) co_return;
    }
    co_await ex.finish();
  });
  router.exact(Method::get, "/length", [](Exchange& ex) -> boost::asio::awaitable<void> {
    static const std::string big = pattern(3 * 1024 * 1024 + 17);
    if (!co_await ex.write_header(Response(200), BodyFraming::content_length(big.size()))) {
      co_return;
    }
    for (std::size_t at = 0; at < big.size(); at += 100'000) {
      auto piece = std::string_view(big).substr(at, 100'000);
      if (!co_await ex.write_body_chunk(piece)) co_return;
    }
    co_await ex.finish();
  });
  router.exact(Method::get, "/short", [](Exchange& ex) -> boost::asio::awaitable<void> {
    // Promises 10 bytes, delivers 3: the server must not leave the client waiting.
    if (!co_await ex.write_header(Response(200), BodyFraming::content_length(10))) co_return;
    co_await ex.write_body_chunk("abc");
  });
  router.exact(Method::get, "/throws", [](Exchange&) -> boost::asio::awaitable<void> {
    throw std::runtime_error("boom");
    co_return;
  });
  router.exact(Method::get, "/silent", [](Exchange&) -> boost::asio::awaitable<void> {
    co_return;  // no response: the server answers 500
  });
  router.exact(Method::get, "/slow", [](Exchange& ex) -> boost::asio::awaitable<void> {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(700ms);
    co_await timer.async_wait(boost::asio::use_awaitable);
    co_await ex.respond(Response::text(200, "slow done"));
  });
  router.exact(Method::get, "/blocking", [](Exchange& ex) -> boost::asio::awaitable<void> {
    const auto io_thread = std::this_thread::get_id();
    std::thread::id pool_thread;
    co_await ex.run_blocking([&] { pool_thread = std::this_thread::get_id(); });
    const bool hopped = pool_thread != io_thread && std::this_thread::get_id() == io_thread;
    co_await ex.respond(Response::text(200, hopped ? "hopped" : "same thread"));
  });
  router.exact(Method::get, "/misuse", [](Exchange& ex) -> boost::asio::awaitable<void> {
    // Each misuse is an error value, and the response still goes out whole.
    std::string report;
    auto early = co_await ex.write_body_chunk("x");
    report += early ? "ok" : std::string(to_string(early.error()));
    report += "|";
    auto finish_first = co_await ex.finish();
    report += finish_first ? "ok" : std::string(to_string(finish_first.error()));
    report += "|";
    if (!co_await ex.write_header(Response(200), BodyFraming::content_length(3))) co_return;
    auto too_much = co_await ex.write_body_chunk("abcd");
    report += too_much ? "ok" : std::string(to_string(too_much.error()));
    report += "|";
    auto twice = co_await ex.respond(Response::text(200, "again"));
    report += twice ? "ok" : std::string(to_string(twice.error()));
    std::lock_guard lock(misuse_mutex());
    misuse_report() = report;
  });
  router.exact(Method::other, "/x", [](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.respond(Response::text(200, std::string(ex.request().method_name())));
  });
  router.exact(Method::post, "/describe", [](Exchange& ex) -> boost::asio::awaitable<void> {
    const Request& r = ex.request();
    std::string d;
    d += std::string(r.method_name()) + " " + std::string(r.target()) + "\n";
    d += "path=" + std::string(r.path()) + " query=" + std::string(r.query()) +
         " has_query=" + (r.has_query() ? "1" : "0") + "\n";
    d += "version=" + std::to_string(r.version()) + " keep_alive=" + (r.keep_alive() ? "1" : "0") +
         "\n";
    d += "x-multi=" + std::string(r.header("X-MULTI").value_or("-")) +
         " count=" + std::to_string(r.header_count("x-multi")) + "\n";
    d += "missing=" + std::string(r.header("x-missing").value_or("-")) + "\n";
    d += "content_length=" + (r.content_length() ? std::to_string(*r.content_length()) : "-") +
         " chunked=" + (r.chunked() ? "1" : "0") + " has_body=" + (r.has_body() ? "1" : "0") +
         " expects_continue=" + (r.expects_continue() ? "1" : "0") + "\n";
    r.for_each_header([&](std::string_view name, std::string_view value) {
      d += std::string(name) + ":" + std::string(value) + ";";
    });
    (void)co_await ex.read_body(1024);
    co_await ex.respond(Response::text(200, d));
  });
  return router;
}

class ConnectionTest : public ::testing::TestWithParam<bool> {
 protected:
  bool tls() const { return GetParam(); }
  void start(ServerConfig config = test::test_config()) {
    if (tls()) {
      tls_files_.emplace();
      config.tls = tls_files_->settings();
    }
    router_ = make_router(counters_);
    server_.emplace(std::move(config), router_.handler(), observed_.observer());
  }
  std::uint16_t port() const { return server_->port(); }
  // A client of the server under test, over TLS in the Tls/ variant.
  RawClient connect(std::chrono::milliseconds timeout = 5s) {
    return RawClient(port(), timeout, tls() ? &tls_files_->client : nullptr);
  }

  std::optional<test::TlsTestFiles> tls_files_;
  Counters counters_;
  Observed observed_;
  Router router_;
  std::optional<RunningServer> server_;
};

TEST_P(ConnectionTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  RawClient client = connect();
  for (int i = 0; i < 3; ++i) {
    auto r = client.exchange(test::get_request("/hello"));
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
    EXPECT_EQ(r->get("content-length"), "5");
    EXPECT_FALSE(r->has("connection"));
    EXPECT_TRUE(r->has("date"));
  }
}

TEST_P(ConnectionTest, ClientConnectionCloseIsHonoured) {
  start();
  RawClient client = connect();
  auto r = client.exchange(test::get_request("/hello", "Connection: close\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_TRUE(client.peer_closed());
}

TEST_P(ConnectionTest, MaxRequestsPerConnectionClosesAfterTheLast) {
  auto config = test::test_config();
  config.max_requests_per_connection = 2;
  start(config);
  RawClient client = connect();
  auto first = client.exchange(test::get_request("/hello"));
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->has("connection"));
  auto second = client.exchange(test::get_request("/hello"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->get("connection"), "close");
  EXPECT_TRUE(client.peer_closed());
}

TEST_P(ConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawClient client = connect();
  const std::string body = "pipelined body";
  std::string batch = test::get_request("/hello");
  batch += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  batch += test::get_request("/nope");
  batch += test::get_request("/hello");
  ASSERT_TRUE(client.send(batch));
  auto a = client.read_response();
  auto b = client.read_response();
  auto c = client.read_response();
  auto d = client.read_response();
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(a->body, "hello");
  EXPECT_EQ(b->body, body);
  EXPECT_EQ(c->status, 404);
  EXPECT_EQ(d->body, "hello");
}

TEST_P(ConnectionTest, HugeHeaderGets431AndClose) {
  auto config = test::test_config();
  config.max_header_bytes = 8 * 1024;
  start(config);
  RawClient client = connect();
  auto r =
      client.exchange(test::get_request("/hello", "X-Big: " + std::string(20000, 'x') + "\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_TRUE(client.peer_closed());
  ASSERT_TRUE(observed_.wait_for(1));
  EXPECT_EQ(std::get<3>(observed_.records[0]), 431);
}

TEST_P(ConnectionTest, MalformedRequestGets400AndClose) {
  start();
  RawClient client = connect();
  auto r = client.exchange("GET /hello HTTP/1.1\r\nBad Header Without Colon\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(client.peer_closed());
}

TEST_P(ConnectionTest, Http11WithoutOrWithTwoHostsGets400) {
  start();
  for (const char* request :
       {"GET /hello HTTP/1.1\r\n\r\n", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
    RawClient client = connect();
    auto r = client.exchange(request);
    ASSERT_TRUE(r) << request;
    EXPECT_EQ(r->status, 400) << request;
  }
}

TEST_P(ConnectionTest, AmbiguousBodyFramingIsRefused) {
  // Request smuggling shapes: the two framings must never both be believed.
  start();
  for (const char* request :
       {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: "
        "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\nabc",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
        "identity\r\n\r\nabc",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n"}) {
    RawClient client = connect();
    auto r = client.exchange(request);
    ASSERT_TRUE(r) << request;
    EXPECT_EQ(r->status, 400) << request;
    EXPECT_TRUE(client.peer_closed()) << request;
  }
}

TEST_P(ConnectionTest, TransferCodingsOtherThanChunkedGet501) {
  start();
  RawClient client = connect();
  auto r = client.exchange(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 501);
}

TEST_P(ConnectionTest, DeclaredBodyOverLimitGets413WithoutReadingIt) {
  auto config = test::test_config();
  config.body_limit = 1024;
  start(config);
  RawClient client = connect();
  // The body is never sent: the 413 must come from the Content-Length alone.
  auto r = client.exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->get("connection"), "close");
}

TEST_P(ConnectionTest, ChunkedBodyOverLimitGets413) {
  auto config = test::test_config();
  config.body_limit = 1024;
  start(config);
  RawClient client = connect();
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) request += "200\r\n" + std::string(512, 'z') + "\r\n";
  request += "0\r\n\r\n";
  auto r = client.exchange(request);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->get("connection"), "close");
}

TEST_P(ConnectionTest, ChunkedRequestBodyIsDecoded) {
  start();
  RawClient client = connect();
  ASSERT_TRUE(
      client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"));
  auto r = client.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello, world");
  // The connection stays usable after a fully read chunked body.
  auto again = client.exchange(test::get_request("/hello"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "hello");
}

TEST_P(ConnectionTest, MalformedChunkedBodyGets400) {
  start();
  RawClient client = connect();
  auto r = client.exchange(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(client.peer_closed());
}

TEST_P(ConnectionTest, HeaderReadTimeoutClosesTheConnection) {
  auto config = test::test_config();
  config.read_header_timeout = 200ms;
  start(config);
  RawClient client = connect(3s);  // default header timeout would be 10 s: this must not wait
  ASSERT_TRUE(client.send("GET /hello HTTP/1.1\r\nHost: t\r\n"));  // never finished
  EXPECT_TRUE(client.peer_closed());
}

TEST_P(ConnectionTest, SilentNewConnectionIsClosedAfterHeaderTimeout) {
  auto config = test::test_config();
  config.read_header_timeout = 200ms;
  start(config);
  RawClient client = connect(3s);
  EXPECT_TRUE(client.peer_closed());
}

TEST_P(ConnectionTest, IdleKeepAliveConnectionIsClosedAfterKeepAliveTimeout) {
  auto config = test::test_config();
  config.keep_alive_timeout = 200ms;
  start(config);
  RawClient client = connect(3s);
  ASSERT_TRUE(client.send(test::get_request("/hello")));
  ASSERT_TRUE(client.read_response());
  EXPECT_TRUE(client.peer_closed());
}

TEST_P(ConnectionTest, BodyIdleTimeoutAnswers408AndCloses) {
  auto config = test::test_config();
  config.body_idle_timeout = 200ms;
  start(config);
  RawClient client = connect(3s);
  auto r =
      client.exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly-some");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(client.peer_closed());
}

// Over TLS the client sends the whole body before reading (one thread per SSL object).
void expect_streamed_upload(RawClient& client, const std::string& payload, bool chunked,
                            bool concurrently) {
  std::string head = "PUT /stream HTTP/1.1\r\nHost: t\r\n";
  head += chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                  : "Content-Length: " + std::to_string(payload.size()) + "\r\n\r\n";
  auto send_all = [&] {
    ASSERT_TRUE(client.send(head));
    constexpr std::size_t kPiece = 300 * 1000;  // not a multiple of the handler's buffer
    for (std::size_t at = 0; at < payload.size(); at += kPiece) {
      auto piece = std::string_view(payload).substr(at, kPiece);
      if (chunked) {
        char size_line[32];
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
        ASSERT_TRUE(client.send(size_line));
      }
      ASSERT_TRUE(client.send(piece));
      if (chunked) {
        ASSERT_TRUE(client.send("\r\n"));
      }
    }
    if (chunked) {
      ASSERT_TRUE(client.send("0\r\n\r\n"));
    }
  };
  std::thread sender;
  if (concurrently) {
    sender = std::thread(send_all);
  } else {
    send_all();
  }
  auto r = client.read_response();
  if (sender.joinable()) sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::to_string(payload.size()) + " " + std::to_string(fnv1a(payload)));
}

TEST_P(ConnectionTest, StreamsAMultiMegabyteContentLengthBodyWithBoundedMemory) {
  start();
  const std::string payload = pattern(48 * 1024 * 1024 + 3);
  const std::size_t before = resident_bytes();
  RawClient client = connect(20s);
  expect_streamed_upload(client, payload, false, !tls());
  const std::size_t growth = resident_bytes() - std::min(resident_bytes(), before);
  // The handler's 64 KiB buffer is the only place the body goes.
  EXPECT_LE(counters_.largest_read.load(), 64u * 1024);
#if defined(__SANITIZE_ADDRESS__)
  // OpenSSL frees and takes a record buffer per record (SSL_MODE_RELEASE_BUFFERS), client
  // and server both in this process; AddressSanitizer's quarantine keeps what is freed
  // resident, so under it the bound says nothing about the server over TLS.
  if (tls()) return;
#endif
  EXPECT_LT(growth, 16u * 1024 * 1024) << "server memory grew with the body";
}

TEST_P(ConnectionTest, StreamsAMultiMegabyteChunkedBody) {
  start();
  const std::string payload = pattern(8 * 1024 * 1024 + 5);
  RawClient client = connect(20s);
  expect_streamed_upload(client, payload, true, !tls());
  EXPECT_LE(counters_.largest_read.load(), 64u * 1024);
}

TEST_P(ConnectionTest, ChunkedResponseIsFramedAndKeepsTheConnection) {
  start();
  RawClient client = connect();
  auto r = client.exchange(test::get_request("/chunked"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->chunked);
  EXPECT_FALSE(r->has("content-length"));
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "piece-" + std::to_string(i) + ";";
  EXPECT_EQ(r->body, expected);
  ASSERT_TRUE(client.send(test::get_request("/hello")));
  ASSERT_TRUE(client.read_response());
}

TEST_P(ConnectionTest, ChunkedResponseToHttp10IsCloseDelimited) {
  start();
  RawClient client = connect();
  auto r = client.exchange(
      "GET /chunked HTTP/1.0\r\n\r\n");  // no Content-Length, no chunking: body ends at close
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->chunked);
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_EQ(r->body.substr(0, 8), "piece-0;");
}

TEST_P(ConnectionTest, ContentLengthStreamedResponseArrivesWhole) {
  start();
  RawClient client = connect(20s);
  auto r = client.exchange(test::get_request("/length"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get("content-length"), std::to_string(3 * 1024 * 1024 + 17));
  EXPECT_EQ(r->body, pattern(3 * 1024 * 1024 + 17));
}

TEST_P(ConnectionTest, ShortContentLengthResponseClosesTheConnection) {
  start();
  RawClient client = connect();
  ASSERT_TRUE(client.send(test::get_request("/short")));
  // The header promised 10 bytes; only 3 come, then the close tells the client.
  const std::string raw = client.read_until_close();
  EXPECT_NE(raw.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_TRUE(raw.ends_with("\r\n\r\nabc"));
}

TEST_P(ConnectionTest, HeadCarriesHeadersWithoutBody) {
  start();
  RawClient client = connect();
  auto r = client.exchange("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get("content-length"), "5");
  // No body bytes may follow; the next response starts right away.
  auto streamed = client.exchange("HEAD /length HTTP/1.1\r\nHost: t\r\n\r\n", false);
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->get("content-length"), std::to_string(3 * 1024 * 1024 + 17));
  auto after = client.exchange(test::get_request("/hello"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "hello");
  EXPECT_TRUE(client.buffered().empty());
}

TEST_P(ConnectionTest, ExpectContinueIsAnsweredWhenTheHandlerReadsTheBody) {
  start();
  RawClient client = connect();
  auto interim = client.exchange(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  auto r = client.exchange("hello world");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_FALSE(r->has("connection"));
}

TEST_P(ConnectionTest, ExpectContinueIsNeverSentWhenTheHandlerRejects) {
  start();
  RawClient client = connect();
  auto r = client.exchange(
      "POST /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\nExpect: "
      "100-continue\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);  // the final answer, not "100 Continue"
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_TRUE(client.peer_closed());
  EXPECT_EQ(counters_.reject_calls.load(), 1);
}

TEST_P(ConnectionTest, ExpectContinueWithBodyOverLimitGets413WithoutContinue) {
  auto config = test::test_config();
  config.body_limit = 1024;
  start(config);
  RawClient client = connect();
  auto r = client.exchange(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_P(ConnectionTest, SmallUnreadBodyIsDrainedAndTheConnectionKept) {
  start();
  RawClient client = connect();
  auto r =
      client.exchange("POST /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(r->has("connection"));
  auto next = client.exchange(test::get_request("/hello"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "hello");
}

TEST_P(ConnectionTest, LargeUnreadBodyClosesTheConnectionAfterTheResponse) {
  start();
  RawClient client = connect();
  auto r = client.exchange("POST /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n" +
                           std::string(100000, 'x'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->get("connection"), "close");
}

TEST_P(ConnectionTest, HandlerWithoutResponseGets500AndThrowingHandlerToo) {
  start();
  RawClient client = connect();
  auto silent = client.exchange(test::get_request("/silent"));
  ASSERT_TRUE(silent);
  EXPECT_EQ(silent->status, 500);
  RawClient other = connect();
  auto thrown = other.exchange(test::get_request("/throws"));
  ASSERT_TRUE(thrown);
  EXPECT_EQ(thrown->status, 500);
  EXPECT_EQ(thrown->get("connection"), "close");
}

TEST_P(ConnectionTest, RunBlockingRunsOnThePoolAndResumesOnTheConnectionThread) {
  start();
  RawClient client = connect();
  auto r = client.exchange(test::get_request("/blocking"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hopped");
}

TEST_P(ConnectionTest, MisusedResponseCallsAreErrorValues) {
  start();
  RawClient client = connect();
  ASSERT_TRUE(client.send(test::get_request("/misuse")));
  // 3 bytes promised, none written, header not yet sent: an honest 500 instead.
  auto r = client.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->get("connection"), "close");
  std::lock_guard lock(misuse_mutex());
  EXPECT_EQ(misuse_report(),
            "write_header() was not called|write_header() was not called|"
            "body length differs from Content-Length|response already written");
}

TEST_P(ConnectionTest, RequestViewReportsWhatWasSent) {
  start();
  RawClient client = connect();
  auto interim = client.exchange(
      "POST /describe?a=1&b=%2F HTTP/1.1\r\nHost: t\r\nX-Multi: one\r\nx-multi:  two  \r\n"
      "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(interim);
  ASSERT_EQ(interim->status, 100);
  auto r = client.exchange("hi");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body,
            "POST /describe?a=1&b=%2F\n"
            "path=/describe query=a=1&b=%2F has_query=1\n"
            "version=11 keep_alive=1\n"
            "x-multi=one count=2\n"
            "missing=-\n"
            "content_length=2 chunked=0 has_body=1 expects_continue=1\n"
            "Host:t;X-Multi:one;x-multi:two;Content-Length:2;Expect:100-continue;");
}

TEST_P(ConnectionTest, UnknownMethodsReachTheHandlerAsOther) {
  start();
  RawClient client = connect();
  auto r = client.exchange("PROPFIND /x HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "PROPFIND");
}

TEST_P(ConnectionTest, ObserverSeesStatusRouteBytesAndNoQuery) {
  start();
  RawClient client = connect();
  ASSERT_TRUE(client.send(test::get_request("/hello?X-Amz-Signature=deadbeefsecret")));
  ASSERT_TRUE(client.read_response());
  ASSERT_TRUE(
      client.send("POST /echo?sig=secret HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nabcd"));
  ASSERT_TRUE(client.read_response());
  ASSERT_TRUE(client.send(test::get_request("/missing?token=secret")));
  ASSERT_TRUE(client.read_response());
  ASSERT_TRUE(observed_.wait_for(3));
  std::lock_guard lock(observed_.mutex);
  const auto& hello = observed_.records[0];
  EXPECT_EQ(std::get<0>(hello), "GET");
  EXPECT_EQ(std::get<1>(hello), "/hello");
  EXPECT_EQ(std::get<2>(hello), "GET /hello");
  EXPECT_EQ(std::get<3>(hello), 200);
  EXPECT_EQ(std::get<5>(hello), 5u);
  const auto& echo = observed_.records[1];
  EXPECT_EQ(std::get<1>(echo), "/echo");
  EXPECT_EQ(std::get<3>(echo), 200);
  EXPECT_EQ(std::get<4>(echo), 4u);
  EXPECT_EQ(std::get<5>(echo), 4u);
  const auto& missing = observed_.records[2];
  EXPECT_EQ(std::get<1>(missing), "/missing");
  EXPECT_EQ(std::get<2>(missing), "404");
  EXPECT_EQ(std::get<3>(missing), 404);
  for (const auto& record : observed_.records) {
    EXPECT_EQ(std::get<1>(record).find("secret"), std::string::npos);
    EXPECT_EQ(std::get<1>(record).find('?'), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Plain, ConnectionTest, ::testing::Values(false));
INSTANTIATE_TEST_SUITE_P(Tls, ConnectionTest, ::testing::Values(true));

}  // namespace
}  // namespace upgate::http
