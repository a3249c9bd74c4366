// The outbound client against upgate's own server on 127.0.0.1: what it sends, what it
// reads, and each bound (body, header, time) and failure kind.
#include <upgate/http/client.hpp>

#include <gtest/gtest.h>

#include "support/running_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

namespace upgate::http {
namespace {

using namespace std::chrono_literals;

Expected<ClientResponse, ClientError> run_fetch(ClientRequest request,
                                                std::shared_ptr<const TlsClientContext> tls = {}) {
  boost::asio::io_context context;
  std::optional<Expected<ClientResponse, ClientError>> result;
  auto future = boost::asio::co_spawn(
      context,
      [&]() -> boost::asio::awaitable<void> {
        result.emplace(co_await fetch(std::move(request), std::move(tls)));
      },
      boost::asio::use_future);
  context.run();
  future.get();
  return std::move(*result);
}

std::string url(std::uint16_t port, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// Echoes what it received: method, target, Host, Cookie and the body.
Handler echo() {
  return [](Exchange& ex) -> boost::asio::awaitable<void> {
    auto body = co_await ex.read_body(4096);
    const Request& r = ex.request();
    std::string text = std::string(r.method_name()) + " " + std::string(r.target()) + "\n" +
                       std::string(r.header("Host").value_or("")) + "\n" +
                       std::string(r.header("Cookie").value_or("")) + "\n" +
                       (body ? *body : std::string("?"));
    Response response = Response::text(201, std::move(text));
    response.add_header("X-Answer", "Yes");
    co_await ex.respond(response);
  };
}

TEST(HttpClientTest, SendsTheRequestAndReadsTheAnswer) {
  test::RunningServer server(test::test_config(), echo());
  ClientRequest request;
  request.method = "POST";
  request.url = url(server.port(), "/hook/auth?x=1");
  request.headers = {{"Cookie", "session=abc"}, {"Content-Type", "application/json"}};
  request.body = R"({"route":"seed"})";
  auto response = run_fetch(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "POST /hook/auth?x=1\n127.0.0.1:" + std::to_string(server.port()) +
                                "\nsession=abc\n{\"route\":\"seed\"}");
  EXPECT_EQ(response->header("x-answer"), "Yes");
  EXPECT_FALSE(response->header("x-absent"));
}

TEST(HttpClientTest, AnEmptyPathIsTheRoot) {
  test::RunningServer server(test::test_config(), echo());
  ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(server.port());
  auto response = run_fetch(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body.substr(0, 6), "GET /\n");
}

TEST(HttpClientTest, ABodyOverTheBoundIsTooLargeNotTruncated) {
  test::RunningServer server(test::test_config(), [](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.respond(Response::text(200, std::string(10000, 'x')));
  });
  ClientRequest request;
  request.url = url(server.port(), "/");
  request.max_response_body = 9999;
  auto response = run_fetch(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().failure, ClientFailure::too_large);
  request.max_response_body = 10000;
  EXPECT_TRUE(run_fetch(request));
}

TEST(HttpClientTest, ASlowAnswerTimesOutAtTheDeadline) {
  test::RunningServer server(test::test_config(), [](Exchange& ex) -> boost::asio::awaitable<void> {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 2s);
    co_await timer.async_wait(boost::asio::use_awaitable);
    co_await ex.respond(Response::text(200, "late"));
  });
  ClientRequest request;
  request.url = url(server.port(), "/");
  request.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  auto response = run_fetch(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().failure, ClientFailure::timeout) << response.error().message;
  // Not a speed check: the answer would have come after 2 s, so an earlier return proves
  // that the deadline, not the server, ended the call.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1900ms);
}

TEST(HttpClientTest, NoListenerIsAConnectFailure) {
  std::uint16_t port = 0;
  {
    test::RunningServer server(test::test_config(), echo());
    port = server.port();
  }
  ClientRequest request;
  request.url = url(port, "/");
  auto response = run_fetch(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().failure, ClientFailure::connect) << response.error().message;
  EXPECT_NE(response.error().message.find("http://127.0.0.1:" + std::to_string(port)),
            std::string::npos);
}

TEST(HttpClientTest, UnusableUrlsAndHeadersAreRefusedBeforeConnecting) {
  for (const char* bad : {"ftp://127.0.0.1/", "127.0.0.1:80/", "http://user:pw@127.0.0.1/",
                          "http://127.0.0.1:0/", "http://127.0.0.1:99999/", "http:///x",
                          "http://127.0.0.1/a b", "http://exa mple.com/", "http://[::1/"}) {
    ClientRequest request;
    request.url = bad;
    auto response = run_fetch(request);
    ASSERT_FALSE(response) << bad;
    EXPECT_EQ(response.error().failure, ClientFailure::bad_url) << bad;
  }
  ClientRequest request;
  request.url = "http://127.0.0.1:9/";
  request.headers = {{"Cookie", "a=1\r\nX-Injected: yes"}};
  auto response = run_fetch(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().failure, ClientFailure::bad_url);
}

TEST(HttpClientTest, MessagesNameThePeerButNotThePathOrQuery) {
  ClientRequest request;
  request.url = "http://127.0.0.1:9/secret-path?token=hunter2";
  request.connect_timeout = 500ms;
  auto response = run_fetch(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message.find("hunter2"), std::string::npos);
  EXPECT_EQ(response.error().message.find("secret-path"), std::string::npos);
  EXPECT_NE(response.error().message.find("http://127.0.0.1:9"), std::string::npos);
}

TEST(HttpClientTest, HttpsNeedsAContextAndAVerifiedPeer) {
  test::RunningServer server(test::test_config(), echo());
  ClientRequest request;
  request.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto without = run_fetch(request);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().failure, ClientFailure::tls);
  auto tls = TlsClientContext::create();
  ASSERT_TRUE(tls) << tls.error();
  // The server speaks plain HTTP: the handshake cannot succeed.
  auto plain = run_fetch(request, *tls);
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().failure, ClientFailure::tls) << plain.error().message;
  EXPECT_FALSE(TlsClientContext::create("/nonexistent/ca.pem"));
}

}  // namespace
}  // namespace upgate::http
