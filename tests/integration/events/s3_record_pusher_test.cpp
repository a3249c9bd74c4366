// The standalone store's notifications (S3RecordPusher) against the real test receiver
// (receiver.mjs, node) on loopback: S3 event record JSON arrives in order, a receiver that
// fails for a while gets everything once it is back, a refused batch is not retried (a
// dead letter), a full outbox drops and counts, and what one pusher left queued the next
// one on the same outbox file sends.
#include "upgate/events/s3_record_pusher.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "receiver_process.hpp"
#include "support/object_changes.hpp"
#include "support/temp_dir.hpp"
#include "upgate/store/object_change.hpp"

namespace upgate::events {
namespace {

using namespace std::chrono_literals;
using test_receiver::eventually;
using test_receiver::Receiver;

store::ObjectChange created(const std::string& key, std::int64_t generation) {
  store::ObjectChange change;
  change.kind = store::ObjectChange::Kind::kCreated;
  change.event_name = "ObjectCreated:Put";
  change.bucket = "uploads";
  change.key = key;
  change.size = 5;
  change.etag = "5d41402abc4b2a76b9719d911017c592";
  change.sequencer = store::change_sequencer(generation);
  change.time = std::chrono::system_clock::now();
  return change;
}

boost::json::array records(const Receiver& receiver) {
  auto doc = receiver.received();
  return doc.contains("records") ? doc.at("records").as_array() : boost::json::array{};
}

class S3RecordPusherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s3client::http_client_global_init();
    receiver.start();
  }
  S3RecordPusherOptions options() {
    S3RecordPusherOptions o;
    o.url = receiver.records_url();
    o.outbox = std::filesystem::path(dir.path()) / "notify.db";
    o.retry.base = std::chrono::milliseconds(50);
    o.retry.cap = std::chrono::milliseconds(200);
    o.log = [this](std::string_view line) {
      const std::lock_guard lock(log_mutex);
      logged.emplace_back(line);
    };
    return o;
  }
  std::unique_ptr<S3RecordPusher> start(const S3RecordPusherOptions& o) {
    auto pusher = S3RecordPusher::start(o);
    EXPECT_TRUE(pusher) << (pusher ? "" : pusher.error().message);
    return pusher ? std::move(*pusher) : nullptr;
  }
  upgate::testing::TempDir dir;
  Receiver receiver;
  std::mutex log_mutex;
  std::vector<std::string> logged;
};

TEST_F(S3RecordPusherTest, ChangesArriveAsS3RecordsInTheStoresOrder) {
  auto pusher = start(options());
  for (int i = 1; i <= 250; ++i) pusher->notify(created("photos/cat " + std::to_string(i), i));
  pusher->notify(upgate::testing::removed_change("photos/cat 1", 1));
  ASSERT_TRUE(eventually([&] { return records(receiver).size() == 251; }));
  auto got = records(receiver);
  for (int i = 1; i <= 250; ++i) {
    const auto& r = got[i - 1].as_object();
    EXPECT_EQ(r.at("eventName").as_string(), "ObjectCreated:Put");
    // Keys are form-encoded as AWS sends them.
    EXPECT_EQ(r.at("key").as_string(), "photos/cat+" + std::to_string(i));
    EXPECT_EQ(r.at("size").as_int64(), 5);
  }
  EXPECT_EQ(got[250].as_object().at("eventName").as_string(), "ObjectRemoved:Delete");
  EXPECT_EQ(pusher->stats().sent, 251u);
}

TEST_F(S3RecordPusherTest, AReceiverThatFailsForAWhileGetsEverythingAfterwards) {
  receiver.mode(R"({"status":503})");
  auto pusher = start(options());
  for (int i = 1; i <= 10; ++i) pusher->notify(created("k" + std::to_string(i), i));
  ASSERT_TRUE(eventually([&] { return receiver.received().at("record_posts").as_int64() >= 3; }));
  EXPECT_TRUE(records(receiver).empty());
  receiver.mode(R"({"status":204})");
  ASSERT_TRUE(eventually([&] { return records(receiver).size() == 10; }));
  auto got = records(receiver);
  for (int i = 1; i <= 10; ++i) {
    EXPECT_EQ(got[i - 1].as_object().at("key").as_string(), "k" + std::to_string(i));
  }
  pusher->stop();
  EXPECT_FALSE(logged.empty());
  for (const auto& line : logged) EXPECT_EQ(line.find("/records"), std::string::npos) << line;
}

TEST_F(S3RecordPusherTest, ARefusedBatchIsADeadLetterNotRetried) {
  receiver.mode(R"({"status":400})");
  auto pusher = start(options());
  pusher->notify(created("refused", 1));
  ASSERT_TRUE(eventually([&] { return pusher->stats().refused == 1; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(receiver.received().at("record_posts").as_int64(), 1);
  pusher.reset();
  // Kept in the outbox as a dead letter (`upgate webhooks list --dead --all --outbox FILE`).
  OutboxOptions admin;
  admin.file = options().outbox;
  admin.role = OutboxOptions::Role::kAdmin;
  auto outbox = Outbox::open(admin);
  ASSERT_TRUE(outbox);
  auto dead = (*outbox)->list({ListQuery::Filter::kDead, 10, {}, std::nullopt});
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].key, "refused");
  EXPECT_EQ((*dead)[0].last_status, 400);
}

TEST_F(S3RecordPusherTest, AFullOutboxDropsAndCounts) {
  receiver.mode(R"({"status":503})");
  auto o = options();
  o.max_queue = 5;
  o.max_batch = 1;
  auto pusher = start(o);
  for (int i = 1; i <= 50; ++i) pusher->notify(created("k" + std::to_string(i), i));
  EXPECT_GE(pusher->stats().dropped, 40u);
  pusher->stop();
}

TEST_F(S3RecordPusherTest, WhatOnePusherLeftQueuedTheNextOneSends) {
  receiver.mode(R"({"status":503})");
  {
    auto pusher = start(options());
    for (int i = 1; i <= 5; ++i) pusher->notify(created("left/" + std::to_string(i), i));
    ASSERT_TRUE(eventually([&] { return receiver.received().at("record_posts").as_int64() >= 1; }));
  }  // stopped with every record unsent, on disk
  EXPECT_TRUE(records(receiver).empty());
  receiver.mode(R"({"status":204})");
  auto pusher = start(options());
  ASSERT_TRUE(eventually([&] { return records(receiver).size() == 5; }));
  auto got = records(receiver);
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(got[i - 1].as_object().at("key").as_string(), "left/" + std::to_string(i));
  }
}

}  // namespace
}  // namespace upgate::events
