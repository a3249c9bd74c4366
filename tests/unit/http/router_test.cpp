// Router dispatch as seen over HTTP: exact before prefix, longest prefix, 404, 405 with
// Allow, GET answering HEAD, fallback, and route names for the observer.
#include <gtest/gtest.h>

#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"

#include <upgate/http/router.hpp>

#include <condition_variable>
#include <mutex>
#include <vector>

namespace upgate::http {
namespace {

using namespace std::chrono_literals;
using test::ClientResponse;
using test::RawClient;

Handler says(std::string what) {
  return [what](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.respond(Response::text(200, what));
  };
}

class RouterTest : public ::testing::Test {
 protected:
  void start() {
    server_.emplace(test::test_config(), router_.handler(), [this](const RequestRecord& r) {
      std::lock_guard lock(mutex_);
      routes_.emplace_back(r.route);
      changed_.notify_all();
    });
  }
  ClientResponse fetch(const std::string& request, bool expect_body = true) {
    RawClient client(server_->port());
    EXPECT_TRUE(client.send(request));
    auto r = client.read_response(expect_body);
    EXPECT_TRUE(r);
    return r.value_or(ClientResponse{});
  }
  std::string route_of(std::size_t i) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 5s, [&] { return routes_.size() > i; });
    return routes_.size() > i ? routes_[i] : "<none>";
  }

  Router router_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> routes_;
  std::optional<test::RunningServer> server_;  // last: stopped before what it calls into
};

TEST_F(RouterTest, ExactRouteWinsOverPrefix) {
  router_.prefix(Method::get, "/api/", says("prefix"));
  router_.exact(Method::get, "/api/health", says("exact"));
  start();
  EXPECT_EQ(fetch(test::get_request("/api/health")).body, "exact");
  EXPECT_EQ(fetch(test::get_request("/api/other")).body, "prefix");
  EXPECT_EQ(fetch(test::get_request("/api/health?x=1")).body, "exact");
}

TEST_F(RouterTest, LongestPrefixWins) {
  router_.prefix(Method::get, "/a/", says("short"));
  router_.prefix(Method::get, "/a/b/", says("long"));
  start();
  EXPECT_EQ(fetch(test::get_request("/a/b/c")).body, "long");
  EXPECT_EQ(fetch(test::get_request("/a/c")).body, "short");
}

TEST_F(RouterTest, UnknownPathIs404) {
  router_.exact(Method::get, "/known", says("k"));
  start();
  auto r = fetch(test::get_request("/unknown"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(route_of(0), "404");
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  router_.exact(Method::post, "/thing", says("post"));
  router_.exact(Method::get, "/thing", says("get"));
  start();
  auto r = fetch("DELETE /thing HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.get("allow"), "POST, GET, HEAD");
  EXPECT_EQ(route_of(0), "405");
}

TEST_F(RouterTest, GetRouteAnswersHeadWithoutBody) {
  router_.exact(Method::get, "/page", says("page body"));
  start();
  auto r = fetch("HEAD /page HTTP/1.1\r\nHost: t\r\n\r\n", false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.get("content-length"), "9");
}

TEST_F(RouterTest, FallbackTakesWhatNoRouteMatches) {
  router_.exact(Method::get, "/healthz", says("ok"));
  router_.fallback(says("store"));
  start();
  EXPECT_EQ(fetch("PUT /bucket/key HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n").body,
            "store");
  EXPECT_EQ(route_of(0), "fallback");
  EXPECT_EQ(fetch(test::get_request("/healthz")).body, "ok");
}

TEST_F(RouterTest, RouteNamesDefaultToMethodAndPath) {
  router_.exact(Method::post, "/v1/uploads", says("u"));
  router_.prefix(Method::get, "/static/", says("s"));
  router_.exact(Method::get, "/named", says("n"), "custom");
  start();
  fetch("POST /v1/uploads HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(route_of(0), "POST /v1/uploads");
  fetch(test::get_request("/static/app.js"));
  EXPECT_EQ(route_of(1), "GET /static/*");
  fetch(test::get_request("/named"));
  EXPECT_EQ(route_of(2), "custom");
}

}  // namespace
}  // namespace upgate::http
