// ServerConfig::error_renderer: the owner words what the server answers on its own —
// refusals before a handler runs and requests a handler left unanswered — and the server
// keeps its framing; without a renderer, or when it throws, the plain reason phrase.
#include <gtest/gtest.h>

#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

namespace upgate::http {
namespace {

using test::RawClient;

// Records every context it is called with and answers 499 with the refusal in the body.
struct RecordingRenderer {
  std::mutex mutex;
  std::vector<Refusal> seen;
  std::vector<std::string> request_ids;
  std::vector<std::string> paths;

  ErrorRenderer renderer() {
    return [this](const RefusalContext& c) {
      std::lock_guard lock(mutex);
      seen.push_back(c.refusal);
      request_ids.emplace_back(c.request_id);
      paths.emplace_back(c.request ? c.request->path() : "<none>");
      Response out(499);
      out.add_header("X-Request-Id", c.request_id);
      out.set_body("refused " + std::to_string(static_cast<int>(c.refusal)) + " default " +
                       std::to_string(c.status),
                   "application/xml");
      return out;
    };
  }
};

Handler routes() {
  return [](Exchange& ex) -> boost::asio::awaitable<void> {
    const auto path = ex.request().path();
    if (path == "/throws") throw std::runtime_error("boom");
    if (path == "/silent") co_return;  // answers nothing
    if (path == "/small-body") {
      auto body = co_await ex.read_body(16);
      if (!body) co_return;  // the server answers for the failed read
    }
    co_await ex.respond(Response::text(200, "ok"));
  };
}

std::string expected_body(Refusal refusal, int status) {
  return "refused " + std::to_string(static_cast<int>(refusal)) + " default " +
         std::to_string(status);
}

TEST(ServerErrorRendererTest, RefusalsBeforeTheHandlerAreRenderedWithTheServersFraming) {
  RecordingRenderer recording;
  std::vector<std::string> observed_ids;
  std::mutex observed_mutex;
  auto config = test::test_config();
  config.max_header_bytes = 4096;
  config.error_renderer = recording.renderer();
  test::RunningServer server(config, routes(), [&](const RequestRecord& record) {
    std::lock_guard lock(observed_mutex);
    observed_ids.emplace_back(record.request_id);
  });

  struct Case {
    std::string request;
    Refusal refusal;
    int status;
  };
  const std::vector<Case> cases = {
      {test::get_request("/ok", "X-Big: " + std::string(10000, 'x') + "\r\n"),
       Refusal::header_too_large, 431},
      {"GET /ok HTTP/1.1\r\nBad Header Without Colon\r\n\r\n", Refusal::malformed_request, 400},
      {"GET /ok HTTP/1.1\r\n\r\n", Refusal::missing_host, 400},
      {"POST /ok HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
       Refusal::unframed_transfer_coding, 400},
      {"POST /ok HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
       Refusal::unsupported_transfer_coding, 501},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(expected_body(c.refusal, c.status));
    RawClient client(server.port());
    auto r = client.exchange(c.request);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 499);
    EXPECT_EQ(r->body, expected_body(c.refusal, c.status));
    EXPECT_EQ(r->get("content-type"), "application/xml");
    EXPECT_EQ(r->get("content-length"), std::to_string(r->body.size()));
    EXPECT_EQ(r->get("connection"), "close");
    EXPECT_TRUE(r->has("date"));
    EXPECT_TRUE(client.peer_closed());
    std::lock_guard lock(recording.mutex);
    ASSERT_EQ(recording.seen.size(), i + 1);
    EXPECT_EQ(recording.seen.back(), c.refusal);
    EXPECT_EQ(recording.paths.back(), "<none>");  // refused before a Request existed
    EXPECT_EQ(recording.request_ids.back().size(), 16u);
    EXPECT_EQ(r->get("x-request-id"), recording.request_ids.back());
  }
  // The observer reports the same request ids the renderer was given.
  std::lock_guard lock(observed_mutex);
  for (const auto& id : recording.request_ids) {
    EXPECT_NE(std::find(observed_ids.begin(), observed_ids.end(), id), observed_ids.end()) << id;
  }
}

TEST(ServerErrorRendererTest, RequestsTheHandlerLeftUnansweredAreRendered) {
  RecordingRenderer recording;
  auto config = test::test_config();
  config.error_renderer = recording.renderer();
  test::RunningServer server(config, routes());

  struct Case {
    std::string request;
    Refusal refusal;
    int status;
    std::string path;
  };
  const std::vector<Case> cases = {
      {test::get_request("/throws"), Refusal::handler_failed, 500, "/throws"},
      {test::get_request("/silent"), Refusal::handler_failed, 500, "/silent"},
      {"POST /small-body HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" +
           std::string(100, 'b'),
       Refusal::body_too_large, 413, "/small-body"},
      {"POST /small-body HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       Refusal::malformed_body, 400, "/small-body"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path + " " + expected_body(c.refusal, c.status));
    RawClient client(server.port());
    auto r = client.exchange(c.request);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 499);
    EXPECT_EQ(r->body, expected_body(c.refusal, c.status));
    std::lock_guard lock(recording.mutex);
    EXPECT_EQ(recording.paths.back(), c.path);  // the handler's request is in the context
    EXPECT_EQ(r->get("x-request-id"), recording.request_ids.back());
  }
}

TEST(ServerErrorRendererTest, AStalledBodyIsRenderedAsATimeout) {
  RecordingRenderer recording;
  auto config = test::test_config();
  config.body_idle_timeout = std::chrono::milliseconds(200);
  config.error_renderer = recording.renderer();
  test::RunningServer server(config, routes());
  RawClient client(server.port());
  auto r = client.exchange("POST /small-body HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 499);
  EXPECT_EQ(r->body, expected_body(Refusal::body_timeout, 408));
}

TEST(ServerErrorRendererTest, WithoutARendererOrWhenItThrowsThePlainReasonGoesOut) {
  for (bool throwing : {false, true}) {
    SCOPED_TRACE(throwing ? "throwing renderer" : "no renderer");
    auto config = test::test_config();
    config.max_header_bytes = 4096;
    if (throwing) {
      config.error_renderer = [](const RefusalContext&) -> Response {
        throw std::runtime_error("renderer failed");
      };
    }
    test::RunningServer server(config, routes());
    RawClient big(server.port());
    auto r = big.exchange(test::get_request("/ok", "X-Big: " + std::string(10000, 'x') + "\r\n"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
    EXPECT_EQ(r->body, "Request Header Fields Too Large\n");
    EXPECT_EQ(r->get("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(r->get("connection"), "close");
    RawClient thrower(server.port());
    auto t = thrower.exchange(test::get_request("/throws"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->status, 500);
    EXPECT_EQ(t->body, "Internal Server Error\n");
  }
}

TEST(ServerErrorRendererTest, AnsweredRequestsNeverReachTheRenderer) {
  RecordingRenderer recording;
  auto config = test::test_config();
  config.error_renderer = recording.renderer();
  test::RunningServer server(config, routes());
  RawClient client(server.port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.exchange(test::get_request("/ok"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  std::lock_guard lock(recording.mutex);
  EXPECT_TRUE(recording.seen.empty());
}

}  // namespace
}  // namespace upgate::http
