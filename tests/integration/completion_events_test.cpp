// POST /v1/uploads/complete and the events it records, in one process with real parts: the
// embedded store on a free loopback port, ApiServer whose event sink appends to a real
// SQLite outbox, libcurl for every HTTP call (the upload API, the presigned PUT). The
// outbox is then read back: one event per object version, of the type and with the facts
// the answer gave, however often the upload is completed.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <future>
#include <thread>

#include "support/temp_dir.hpp"
#include "support/test_data.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/api_runtime.hpp"
#include "upgate/api/api_server.hpp"
#include "upgate/events/outbox.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/store/embedded_store.hpp"

namespace upgate::api {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr std::string_view kAccessKey = "AKIDCOMPLETIONTEST";
constexpr std::string_view kSecret = "completion-events-test-secret-0123456789";

class CompletionEventsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { s3client::http_client_global_init(); }

  void SetUp() override {
    store::EmbeddedStoreConfig store_config;
    store_config.data_dir = dir.path() / "data";
    store_config.port = 0;
    store_config.threads = 2;
    store_config.root_key = {std::string(kAccessKey), std::string(kSecret)};
    store_config.buckets = {"uploads"};
    auto started = store::EmbeddedStore::start(std::move(store_config));
    ASSERT_TRUE(started) << started.error().message;
    store = std::move(*started);
    store_thread = std::thread([this] { store->run(); });

    events::OutboxOptions outbox_options;
    outbox_options.file = dir.path() / "events.db";
    auto opened = events::Outbox::open(std::move(outbox_options));
    ASSERT_TRUE(opened) << opened.error().message;
    outbox = std::move(*opened);

    ApiFlags flags;
    flags.listen = "127.0.0.1:0";
    flags.threads = 2;
    flags.endpoint = store->endpoint_url();
    auto config = parse_api_config(
        config::Environment::from({{"HOME", dir.path().string()},
                                   {"AWS_ACCESS_KEY_ID", std::string(kAccessKey)},
                                   {"AWS_SECRET_ACCESS_KEY", std::string(kSecret)}}),
        flags, upgate::testing::read_test_data("events/completion_profiles.toml"));
    ASSERT_TRUE(config) << config.error().describe();
    auto runtime = ApiRuntime::create(std::move(*config));
    ASSERT_TRUE(runtime) << runtime.error().describe();
    ApiServerOptions options;
    options.events = [this](const events::Event& event) {
      const std::string endpoints[] = {"app"};
      return outbox->append(event, endpoints);
    };
    auto server = ApiServer::create(std::move(*runtime), std::move(options));
    ASSERT_TRUE(server) << server.error().message;
    api = std::move(*server);
    api_running = std::async(std::launch::async, [this] { api->run(); });
    base = "http://127.0.0.1:" + std::to_string(api->port());
  }

  void TearDown() override {
    if (api) {
      api->stop();
      api_running.wait();
    }
    if (store) {
      store->stop();
      store_thread.join();
    }
  }

  s3client::HttpResponse call(std::string method, std::string url, std::string body,
                              std::vector<std::pair<std::string, std::string>> headers) {
    s3client::HttpRequest request;
    request.method = std::move(method);
    request.url = std::move(url);
    request.body = std::move(body);
    request.headers = std::move(headers);
    request.total_timeout = 30s;
    auto response = s3client::perform(request);
    EXPECT_TRUE(response) << response.error().message;
    return response ? std::move(*response) : s3client::HttpResponse{};
  }

  s3client::HttpResponse post(std::string_view path, const json::object& body) {
    return call("POST", base + std::string(path), json::serialize(body),
                {{"Content-Type", "application/json"}});
  }

  // Asks for an upload, PUTs `data` on its URL, returns the answer.
  json::object upload(std::string_view profile, std::string_view name,
                      std::string_view content_type, const std::string& data) {
    auto answer = post("/v1/uploads", {{"profile", profile},
                                       {"fileName", name},
                                       {"contentType", content_type},
                                       {"size", data.size()},
                                       {"metadata", {{"album", "cats"}}}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    auto object = json::parse(answer.body).as_object();
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& [name, value] : object.at("headers").as_object()) {
      if (name != "Content-Length") headers.emplace_back(name, value.as_string());
    }
    auto put = call("PUT", std::string(object.at("uploadUrl").as_string()), data, headers);
    EXPECT_EQ(put.status, 200) << put.body;
    return object;
  }

  std::vector<events::DeliveryRecord> events_for(std::string_view key) {
    auto rows = outbox->list(events::ListQuery{});
    EXPECT_TRUE(rows);
    std::vector<events::DeliveryRecord> out;
    for (auto& row : rows ? *rows : std::vector<events::DeliveryRecord>{}) {
      if (row.key == key) out.push_back(std::move(row));
    }
    return out;
  }

  upgate::testing::TempDir dir;
  std::unique_ptr<store::EmbeddedStore> store;
  std::thread store_thread;
  std::unique_ptr<events::Outbox> outbox;
  std::unique_ptr<ApiServer> api;
  std::future<void> api_running;
  std::string base;
};

TEST_F(CompletionEventsTest, ACompletedUploadIsOneUploadCompletedEventHoweverOftenItIsCompleted) {
  const std::string png = upgate::testing::read_test_data("events/magic/pixel.png");
  const auto answer = upload("photos", "pixel.png", "image/png", png);
  const json::object body{{"uploadToken", answer.at("uploadToken")}};
  const auto first = post("/v1/uploads/complete", body);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto second = post("/v1/uploads/complete", body);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  const auto reply = json::parse(first.body).as_object();

  const auto rows = events_for(answer.at("key").as_string());
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].type, events::EventType::kUploadCompleted);
  EXPECT_EQ(rows[0].event_id, reply.at("eventId").as_string());
  EXPECT_EQ(rows[0].bucket, "uploads");
}

TEST_F(CompletionEventsTest, APngDeclaredAsPdfIsOneUploadRejectedEvent) {
  const std::string png = upgate::testing::read_test_data("events/magic/pixel.png");
  const auto answer = upload("docs", "report.pdf", "application/pdf", png);
  const json::object body{{"uploadToken", answer.at("uploadToken")}};
  const auto first = post("/v1/uploads/complete", body);
  ASSERT_EQ(first.status, 422) << first.body;
  const auto reply = json::parse(first.body).as_object();
  EXPECT_EQ(reply.at("detectedType"), "image/png");
  EXPECT_EQ(reply.at("action"), "quarantined");
  const auto second = post("/v1/uploads/complete", body);
  EXPECT_EQ(second.status, 422);
  EXPECT_EQ(second.body, first.body);

  const auto rows = events_for(answer.at("key").as_string());
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].type, events::EventType::kUploadRejected);
  EXPECT_EQ(rows[0].event_id, reply.at("eventId").as_string());
}

TEST_F(CompletionEventsTest, AnHtmlPageDeclaredAsPngIsRejectedAndDeletedOnce) {
  const std::string html = upgate::testing::read_test_data("events/magic/page.html");
  const auto answer = upload("photos", "cat.png", "image/png", html);
  const json::object body{{"uploadToken", answer.at("uploadToken")}};
  const auto first = post("/v1/uploads/complete", body);
  ASSERT_EQ(first.status, 422) << first.body;
  EXPECT_EQ(json::parse(first.body).at("action"), "deleted");
  EXPECT_EQ(post("/v1/uploads/complete", body).body, first.body);
  const auto rows = events_for(answer.at("key").as_string());
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].type, events::EventType::kUploadRejected);
}

TEST_F(CompletionEventsTest, NoEventIsRecordedForARefusedToken) {
  const std::string png = upgate::testing::read_test_data("events/magic/pixel.png");
  const auto answer = upload("photos", "pixel.png", "image/png", png);
  std::string token(answer.at("uploadToken").as_string());
  token.back() = token.back() == 'A' ? 'B' : 'A';
  const auto refused = post("/v1/uploads/complete", {{"uploadToken", token}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_TRUE(events_for(answer.at("key").as_string()).empty());
}

}  // namespace
}  // namespace upgate::api
