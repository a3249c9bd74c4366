// The outbox and the deliverer against a real webhook receiver (receiver.mjs, node), which
// verifies every request with the standardwebhooks npm package: real HTTP on loopback, a
// real SQLite file, the receiver started on a free port and stopped by PID.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "receiver_process.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/events/deliverer.hpp"
#include "upgate/events/outbox.hpp"
#include "upgate/s3client/http_transport.hpp"

#include "support/temp_dir.hpp"

namespace upgate::events {
namespace {

using namespace std::chrono_literals;

using test_receiver::eventually;
using test_receiver::kNewSecret;
using test_receiver::kOldSecret;
using test_receiver::Receiver;

Event upload(const std::string& key, const std::string& etag = "e1") {
  Event e;
  e.type = EventType::kUploadCompleted;
  e.bucket = "uploads";
  e.key = key;
  e.etag = etag;
  e.size = 5;
  e.declared_type = "text/plain";
  e.detected_type = "text/plain";
  e.profile = "docs";
  e.principal_id = "user-1";
  e.time = std::chrono::system_clock::now();
  return e;
}

// An environment variable set for one test, then as it was.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name); old != nullptr) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedVariable() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class WebhookDelivery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { s3client::http_client_global_init(); }

  // Retries come fast here: 100 ms, then up to `cap`.
  std::unique_ptr<Outbox> open_outbox(std::chrono::milliseconds cap = 400ms,
                                      std::chrono::milliseconds window = 10min) {
    OutboxOptions options;
    options.file = std::filesystem::path(dir.path()) / "outbox.db";
    options.retry.base = 100ms;
    options.retry.cap = cap;
    options.retry.window = window;
    auto outbox = Outbox::open(options);
    if (!outbox) throw std::runtime_error(outbox.error().message);
    return std::move(*outbox);
  }

  WebhookEndpoint endpoint(const std::string& url, std::size_t max_in_flight = 4) {
    WebhookEndpointConfig config;
    config.name = "app";
    config.url = url;
    config.secret_env = "APP_WEBHOOK_SECRET";
    config.max_in_flight = max_in_flight;
    config.timeout_seconds = 10;
    const auto environment = config::Environment::from(
        {{"APP_WEBHOOK_SECRET", std::string(kNewSecret) + " " + kOldSecret}});
    auto made = make_endpoint(config, environment);
    if (!made) throw std::runtime_error(made.error().message);
    return std::move(*made);
  }

  std::unique_ptr<Deliverer> start_deliverer(Outbox& outbox, const std::string& url,
                                             std::size_t max_in_flight = 4) {
    DelivererOptions options;
    options.workers = 4;
    options.poll_interval = 200ms;
    return std::make_unique<Deliverer>(outbox, std::vector{endpoint(url, max_in_flight)}, options);
  }

  std::string append(Outbox& outbox, const Event& e) {
    auto r = outbox.append(e, std::vector<std::string>{"app"});
    if (!r) throw std::runtime_error(r.error().message);
    return r->event_id;
  }

  upgate::testing::TempDir dir;
  Receiver receiver;
};

TEST_F(WebhookDelivery, EveryTypeArrivesSignedAndVerifiedByStandardWebhooks) {
  receiver.start();
  auto outbox = open_outbox();
  auto deliverer = start_deliverer(*outbox, receiver.hooks_url());
  Event rejected = upload("docs/fake.png", "e2");
  rejected.type = EventType::kUploadRejected;
  rejected.reason = "content_mismatch";
  rejected.declared_type = "image/png";
  rejected.detected_type = "text/html";
  Event deleted = upload("docs/old.txt");
  deleted.type = EventType::kObjectDeleted;
  deleted.delete_marker = "0055AED6DCD90281E5";
  const std::vector<std::string> ids = {append(*outbox, upload("docs/a.txt")),
                                        append(*outbox, rejected), append(*outbox, deleted)};
  ASSERT_TRUE(eventually([&] { return receiver.accepted_ids().size() >= 3; }));
  const auto doc = receiver.received();
  EXPECT_EQ(doc.at("rejected").as_int64(), 0);
  std::map<std::string, std::string> types;
  for (const auto& a : doc.at("accepted").as_array()) {
    EXPECT_EQ(a.at("id"), a.at("bodyId"));  // webhook-id is the body's id
    types[std::string(a.at("id").as_string())] = a.at("type").as_string();
  }
  EXPECT_EQ(types[ids[0]], "upload.completed");
  EXPECT_EQ(types[ids[1]], "upload.rejected");
  EXPECT_EQ(types[ids[2]], "object.deleted");
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->delivered_total == 3; }));
  // The figures /metrics shows: counted as the workers report, the backlog refreshed.
  ASSERT_TRUE(eventually([&] { return deliverer->figures()[0].queued == 0; }));
  const EndpointFigures figures = deliverer->figures()[0];
  EXPECT_EQ(figures.endpoint, "app");
  EXPECT_EQ(figures.delivered, 3u);
  EXPECT_EQ(figures.failed, 0u);
  EXPECT_EQ(figures.dead, 0u);
  EXPECT_FALSE(figures.oldest_queued);
  deliverer->stop();
  EXPECT_EQ(outbox->metrics()->queued, 0u);
}

TEST_F(WebhookDelivery, ReceiverDownThenBackEverythingArrivesInOrderPerKey) {
  receiver.start();
  const int port = receiver.port();
  const std::string url = receiver.hooks_url();
  receiver.kill();  // down before the first event

  auto outbox = open_outbox();
  auto deliverer = start_deliverer(*outbox, url);
  std::map<std::string, std::vector<std::string>> expected;  // key -> ids in queue order
  std::set<std::string> all;
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 5; ++k) {
      const std::string key = "docs/k" + std::to_string(k);
      Event e = upload(key, "etag-" + std::to_string(round));
      if (round == 1) {
        e.type = EventType::kObjectDeleted;
        e.delete_marker = "seq-" + std::to_string(k);
      }
      const std::string id = append(*outbox, e);
      expected[key].push_back(id);
      all.insert(id);
    }
  }
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->failed_attempts_total >= 5; }));
  const auto while_down = outbox->metrics();
  EXPECT_EQ(while_down->delivered_total, 0u);
  EXPECT_EQ(while_down->queued, 15u);
  EXPECT_GT(while_down->retrying, 0u);
  ASSERT_TRUE(eventually([&] { return deliverer->figures()[0].queued == 15; }));
  const EndpointFigures down = deliverer->figures()[0];
  EXPECT_EQ(down.delivered, 0u);
  EXPECT_GE(down.failed, 5u);
  ASSERT_TRUE(down.oldest_queued);
  EXPECT_LE(*down.oldest_queued, std::chrono::system_clock::now());

  std::this_thread::sleep_for(500ms);
  receiver.start(port);
  ASSERT_TRUE(eventually([&] {
    const auto ids = receiver.accepted_ids();
    return std::set<std::string>(ids.begin(), ids.end()) == all;
  })) << "not every event arrived";
  // In order per key: the first arrival of each id follows the queue order of its key.
  const auto doc = receiver.received();
  std::map<std::string, std::vector<std::string>> arrived;
  std::set<std::string> seen;
  for (const auto& a : doc.at("accepted").as_array()) {
    const std::string id(a.at("id").as_string());
    if (seen.insert(id).second) arrived[std::string(a.at("key").as_string())].push_back(id);
  }
  EXPECT_EQ(arrived, expected);
  EXPECT_EQ(doc.at("rejected").as_int64(), 0);
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->queued == 0; }));
  ASSERT_TRUE(eventually([&] { return deliverer->figures()[0].queued == 0; }));
  const EndpointFigures back = deliverer->figures()[0];
  EXPECT_GE(back.delivered, 15u);
  EXPECT_GE(back.failed, down.failed);
  EXPECT_FALSE(back.oldest_queued);
}

TEST_F(WebhookDelivery, ACrashMidDeliveryIsRedeliveredWithTheSameId) {
  receiver.start();
  receiver.mode(R"({"status":204,"delay_ms":4000})");
  std::string id;
  {
    auto outbox = open_outbox();
    auto deliverer = start_deliverer(*outbox, receiver.hooks_url());
    id = append(*outbox, upload("docs/crash.txt"));
    ASSERT_TRUE(eventually([&] { return receiver.accepted_ids().size() == 1; }));
    deliverer->stop(0ms);  // the answer has not come: the request is cut off, the lease kept
    EXPECT_EQ(outbox->metrics()->delivered_total, 0u);
  }
  receiver.mode(R"({"status":204,"delay_ms":0})");
  auto outbox = open_outbox();  // the next owner clears the dead process's lease
  auto deliverer = start_deliverer(*outbox, receiver.hooks_url());
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->delivered_total == 1; }));
  const auto ids = receiver.accepted_ids();
  ASSERT_EQ(ids.size(), 2u);  // at least once: twice here, with one webhook-id
  EXPECT_EQ(ids[0], id);
  EXPECT_EQ(ids[1], id);
}

TEST_F(WebhookDelivery, ShutdownReleasesUnstartedWorkForTheNextStart) {
  receiver.start();
  receiver.mode(R"({"status":204,"delay_ms":1500})");
  std::set<std::string> all;
  {
    auto outbox = open_outbox();
    auto deliverer = start_deliverer(*outbox, receiver.hooks_url(), 1);
    for (int i = 0; i < 6; ++i) all.insert(append(*outbox, upload("docs/s" + std::to_string(i))));
    ASSERT_TRUE(eventually([&] { return receiver.accepted_ids().size() == 1; }));
    deliverer->stop(5s);  // the request in progress may finish; nothing else starts
    EXPECT_EQ(outbox->metrics()->delivered_total, 1u);
  }
  receiver.mode(R"({"status":204,"delay_ms":0})");
  auto outbox = open_outbox();
  auto deliverer = start_deliverer(*outbox, receiver.hooks_url());
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->delivered_total == 6; }));
  const auto ids = receiver.accepted_ids();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), all);
}

TEST_F(WebhookDelivery, PerEndpointConcurrencyLimit) {
  receiver.start();
  receiver.mode(R"({"status":204,"delay_ms":300})");
  auto outbox = open_outbox();
  auto deliverer = start_deliverer(*outbox, receiver.hooks_url(), 2);
  for (int i = 0; i < 8; ++i) append(*outbox, upload("docs/c" + std::to_string(i)));
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->delivered_total == 8; }));
  const auto max = receiver.received().at("max_in_flight").as_int64();
  EXPECT_GE(max, 1);
  EXPECT_LE(max, 2);
}

TEST_F(WebhookDelivery, GoneIsADeadLetterAndRetryAfterIsKept) {
  receiver.start();
  auto outbox = open_outbox(2h, 24h);  // room for the Retry-After below
  receiver.mode(R"({"status":410})");
  auto deliverer = start_deliverer(*outbox, receiver.hooks_url());
  const std::string gone = append(*outbox, upload("docs/gone.txt"));
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->dead == 1; }));
  auto dead = outbox->list({ListQuery::Filter::kDead, 10, {}, {}});
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].event_id, gone);
  EXPECT_EQ((*dead)[0].last_status, 410);
  EXPECT_EQ((*dead)[0].attempts, 1);

  receiver.mode(R"({"status":503,"retry_after":"3600"})");
  const std::string busy = append(*outbox, upload("docs/busy.txt"));
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->retrying == 1; }));
  auto failed = outbox->list({ListQuery::Filter::kUndelivered, 10, {}, {}});
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].last_status, 503);
  EXPECT_GT((*failed)[0].next_attempt, std::chrono::system_clock::now() + 3000s);

  // An operator replays both once the receiver is fine again.
  receiver.mode(R"({"status":204})");
  ASSERT_TRUE(outbox->replay(gone));
  ASSERT_TRUE(outbox->replay(busy));
  ASSERT_TRUE(eventually([&] { return outbox->metrics()->delivered_total == 2; }));
}

// An egress proxy given in the environment, as libcurl reads it (http_proxy), carries the
// webhooks: the deliverer reads it once and gives it to libcurl itself. The endpoint's
// host does not resolve here; the receiver plays the proxy.
TEST_F(WebhookDelivery, AProxyFromTheEnvironmentCarriesTheWebhooks) {
  receiver.start();
  const ScopedVariable proxy("http_proxy", "http://127.0.0.1:" + std::to_string(receiver.port()));
  const ScopedVariable bypass("no_proxy", "");
  auto outbox = open_outbox();
  auto deliverer = start_deliverer(*outbox, "http://webhooks.invalid/hooks");
  const std::string id = append(*outbox, upload("docs/proxied.txt"));
  ASSERT_TRUE(eventually([&] { return !receiver.accepted_ids().empty(); }));
  EXPECT_EQ(receiver.accepted_ids(), std::vector<std::string>{id});
  EXPECT_GE(receiver.received().at("proxied").as_int64(), 1);
  deliverer.reset();
}

}  // namespace
}  // namespace upgate::events
