// OutboxWorker on a real outbox file: rows appended for its endpoint reach the handler in
// order and are recorded done or failed as it answers; what it did not answer (stopping)
// and what a crash left leased is handled after a reopen; figures() and has_room() follow
// the backlog.
#include "upgate/events/outbox_worker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

namespace upgate::events {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kEndpoint = "upgate:test-queue";

using upgate::testing::eventually;

class OutboxWorkerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Outbox> open() {
    OutboxOptions o;
    o.file = std::filesystem::path(dir.path()) / "outbox.db";
    o.retry.base = 10ms;
    o.retry.cap = 20ms;
    auto outbox = Outbox::open(std::move(o));
    EXPECT_TRUE(outbox) << (outbox ? "" : outbox.error().message);
    return outbox ? std::move(*outbox) : nullptr;
  }

  static void add(Outbox& outbox, const std::string& key) {
    OutboxRecord row;
    row.dedup_key = "test:" + key;
    row.bucket = "b";
    row.key = key;
    row.payload = "payload of " + key;
    const std::string endpoint(kEndpoint);
    auto appended = outbox.append(row, std::span<const std::string>(&endpoint, 1));
    ASSERT_TRUE(appended) << appended.error().message;
  }

  OutboxWorkerOptions options() const {
    OutboxWorkerOptions o;
    o.endpoint = std::string(kEndpoint);
    o.batch = 4;
    o.poll_interval = 50ms;
    o.backlog_refresh = 20ms;
    return o;
  }

  std::vector<std::string> seen() {
    const std::lock_guard lock(mutex);
    return payloads;
  }

  upgate::testing::TempDir dir;
  std::mutex mutex;
  std::vector<std::string> payloads;
};

TEST_F(OutboxWorkerTest, RowsReachTheHandlerInOrderAndAreRecordedDone) {
  auto outbox = open();
  for (int i = 0; i < 10; ++i) add(*outbox, "k" + std::to_string(i));
  OutboxWorker worker(*outbox, options(),
                      [this](std::span<const ClaimedDelivery> batch, const OutboxWorker::Pause&) {
                        const std::lock_guard lock(mutex);
                        for (const auto& d : batch) payloads.push_back(d.payload);
                        return std::vector<WorkOutcome>(batch.size());
                      });
  EXPECT_EQ(worker.figures().queued, 10u);
  auto known = outbox->recorded("test:k3");  // what append() calls a duplicate
  ASSERT_TRUE(known);
  EXPECT_TRUE(*known);
  auto unknown = outbox->recorded("test:k10");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);
  EXPECT_FALSE(worker.has_room(10));
  EXPECT_TRUE(worker.has_room(11));
  worker.start();
  ASSERT_TRUE(eventually([&] { return seen().size() == 10; }));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(seen()[i], "payload of k" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return worker.figures().queued == 0; }));
  EXPECT_FALSE(worker.figures().oldest_queued);
  EXPECT_TRUE(worker.has_room(1));
  worker.counted_append();
  EXPECT_FALSE(worker.has_room(1));  // counted until the next read of the backlog
}

TEST_F(OutboxWorkerTest, AFailureIsRetriedAndAPermanentOneIsADeadLetter) {
  auto outbox = open();
  add(*outbox, "flaky");
  add(*outbox, "hopeless");
  std::atomic<int> flaky_calls{0};
  OutboxWorker worker(*outbox, options(),
                      [&](std::span<const ClaimedDelivery> batch, const OutboxWorker::Pause&) {
                        std::vector<WorkOutcome> out;
                        for (const auto& d : batch) {
                          DeliveryFailure failure;
                          failure.message = "not yet";
                          if (d.payload == "payload of hopeless") {
                            failure.permanent = true;
                            out.emplace_back(failure);
                          } else if (++flaky_calls < 3) {
                            out.emplace_back(failure);
                          } else {
                            out.emplace_back(std::nullopt);
                          }
                        }
                        return out;
                      });
  worker.start();
  ASSERT_TRUE(eventually([&] {
    auto f = worker.figures();
    return f.queued == 0 && f.dead == 1;
  }));
  EXPECT_EQ(flaky_calls, 3);
  auto dead = outbox->list({ListQuery::Filter::kDead, 10, {}, std::string(kEndpoint)});
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].key, "hopeless");
}

TEST_F(OutboxWorkerTest, WhatWasNotAnsweredOrWasLeasedAtACrashIsHandledAfterAReopen) {
  {
    auto outbox = open();
    for (int i = 0; i < 6; ++i) add(*outbox, "k" + std::to_string(i));
    // A consumer that dies holding leases: claimed, never answered.
    auto claimed = outbox->claim(kEndpoint, 2, 10min);
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), 2u);
    // One that stops after answering one of a batch: the rest is released.
    OutboxWorker worker(*outbox, options(),
                        [this](std::span<const ClaimedDelivery> batch, const OutboxWorker::Pause&) {
                          const std::lock_guard lock(mutex);
                          payloads.push_back(batch[0].payload);
                          return std::vector<WorkOutcome>(1);
                        });
    worker.start();
    ASSERT_TRUE(eventually([&] { return !seen().empty(); }));
    worker.stop();
  }
  const std::size_t answered = seen().size();
  ASSERT_GE(answered, 1u);
  ASSERT_LE(answered, 4u);
  auto outbox = open();  // the leases of the "dead" consumer are cleared here
  OutboxWorker worker(*outbox, options(),
                      [this](std::span<const ClaimedDelivery> batch, const OutboxWorker::Pause&) {
                        const std::lock_guard lock(mutex);
                        for (const auto& d : batch) payloads.push_back(d.payload);
                        return std::vector<WorkOutcome>(batch.size());
                      });
  EXPECT_EQ(worker.figures().queued, 6u - answered);
  worker.start();
  ASSERT_TRUE(eventually([&] { return seen().size() == 6; }));
  auto all = seen();
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());  // each once
}

}  // namespace
}  // namespace upgate::events
