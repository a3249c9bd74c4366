#include "upgate/events/outbox.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "support/temp_dir.hpp"

namespace upgate::events {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using TimePoint = std::chrono::system_clock::time_point;

// A clock the test moves by hand.
struct TestClock {
  std::shared_ptr<std::atomic<std::int64_t>> ms =
      std::make_shared<std::atomic<std::int64_t>>(1'900'000'000'000);
  Clock clock() const {
    return [ms = ms] { return TimePoint(milliseconds(ms->load())); };
  }
  void advance(milliseconds d) { *ms += d.count(); }
  TimePoint now() const { return TimePoint(milliseconds(ms->load())); }
};

Event upload(std::string key, std::string etag = "e1") {
  Event e;
  e.type = EventType::kUploadCompleted;
  e.bucket = "uploads";
  e.key = std::move(key);
  e.etag = std::move(etag);
  e.size = 1;
  e.declared_type = "text/plain";
  return e;
}

Event deletion(std::string key, std::string marker) {
  Event e;
  e.type = EventType::kObjectDeleted;
  e.source = EventSource::kStorage;
  e.bucket = "uploads";
  e.key = std::move(key);
  e.delete_marker = std::move(marker);
  return e;
}

class OutboxTest : public ::testing::Test {
 protected:
  OutboxOptions options(OutboxOptions::Role role = OutboxOptions::Role::kOwner) {
    OutboxOptions o;
    o.file = std::filesystem::path(dir.path()) / "outbox.db";
    o.role = role;
    o.clock = clock.clock();
    o.random = [this] { return random; };
    o.retry.base = 1s;
    o.retry.cap = 8s;
    o.retry.window = 60s;
    o.delivered_retention = 1h;
    return o;
  }

  std::unique_ptr<Outbox> open(OutboxOptions::Role role = OutboxOptions::Role::kOwner) {
    auto outbox = Outbox::open(options(role));
    EXPECT_TRUE(outbox) << (outbox ? "" : outbox.error().message);
    return outbox ? std::move(*outbox) : nullptr;
  }

  AppendResult append(Outbox& outbox, const Event& e,
                      std::vector<std::string> endpoints = {"app"}) {
    auto r = outbox.append(e, endpoints);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : AppendResult{};
  }

  std::vector<ClaimedDelivery> claim(Outbox& outbox, std::string_view endpoint = "app",
                                     std::size_t max = 100) {
    auto c = outbox.claim(endpoint, max, 30s);
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return c ? *c : std::vector<ClaimedDelivery>{};
  }

  static std::vector<std::string> ids(const std::vector<ClaimedDelivery>& claimed) {
    std::vector<std::string> out;
    for (const auto& d : claimed) out.push_back(d.event_id);
    return out;
  }

  DeliveryRecord record(Outbox& outbox, const std::string& event_id, std::string endpoint = "app") {
    EXPECT_TRUE(outbox.flush());
    auto all = outbox.list({ListQuery::Filter::kAll, 1000, {}, std::move(endpoint)});
    EXPECT_TRUE(all);
    for (const auto& r : *all) {
      if (r.event_id == event_id) return r;
    }
    ADD_FAILURE() << "no delivery for " << event_id;
    return {};
  }

  upgate::testing::TempDir dir;
  TestClock clock;
  double random = 0.5;
};

TEST_F(OutboxTest, AppendedEventsAreDurableAcrossReopen) {
  std::string id;
  {
    auto outbox = open();
    const AppendResult r = append(*outbox, upload("a.txt"), {"app", "audit"});
    EXPECT_FALSE(r.duplicate);
    EXPECT_EQ(r.deliveries, 2u);
    EXPECT_EQ(r.event_id, event_id_for(dedup_key(upload("a.txt"))));
    id = r.event_id;
  }
  auto outbox = open();
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].event_id, id);
  EXPECT_EQ(claimed[0].payload, render_json(upload("a.txt")));
  EXPECT_EQ(claimed[0].attempts, 0);
  EXPECT_EQ(claim(*outbox, "audit").size(), 1u);
}

TEST_F(OutboxTest, OneEventPerDedupKey) {
  auto outbox = open();
  const AppendResult first = append(*outbox, upload("a.txt"));
  Event from_storage = upload("a.txt");
  from_storage.source = EventSource::kStorage;
  from_storage.etag = "\"E1\"";
  const AppendResult second = append(*outbox, from_storage, {"app", "audit"});
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.event_id, first.event_id);
  EXPECT_EQ(second.deliveries, 0u);
  EXPECT_EQ(claim(*outbox).size(), 1u);
  EXPECT_TRUE(claim(*outbox, "audit").empty());
  // An event without identity is refused rather than stored undeduplicated.
  Event anonymous = upload("b.txt", "");
  auto refused = outbox->append(anonymous, std::vector<std::string>{"app"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, OutboxErrc::kInvalid);
}

TEST_F(OutboxTest, EventsForNoEndpointStillDeduplicate) {
  auto outbox = open();
  EXPECT_EQ(append(*outbox, upload("a.txt"), {}).deliveries, 0u);
  EXPECT_TRUE(append(*outbox, upload("a.txt"), {"app"}).duplicate);
}

TEST_F(OutboxTest, LeaseHidesADeliveryUntilItExpires) {
  auto outbox = open();
  append(*outbox, upload("a.txt"));
  ASSERT_EQ(claim(*outbox).size(), 1u);
  EXPECT_TRUE(claim(*outbox).empty());
  clock.advance(29s);
  EXPECT_TRUE(claim(*outbox).empty());
  clock.advance(2s);  // the worker never answered: sent again, same id
  auto again = claim(*outbox);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].event_id, event_id_for(dedup_key(upload("a.txt"))));
}

TEST_F(OutboxTest, CrashMidDeliveryRedeliversAtOnceAfterReopen) {
  {
    auto outbox = open();
    append(*outbox, upload("a.txt"));
    append(*outbox, upload("b.txt"));
    ASSERT_EQ(claim(*outbox).size(), 2u);
    // The process dies here: no success or failure was recorded.
  }
  auto outbox = open();
  const auto claimed = claim(*outbox);
  EXPECT_EQ(claimed.size(), 2u);
  for (const auto& d : claimed) EXPECT_EQ(d.attempts, 0);
}

TEST_F(OutboxTest, SuccessIsFinal) {
  auto outbox = open();
  const auto id = append(*outbox, upload("a.txt")).event_id;
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 1u);
  outbox->record_success(claimed[0], 204);
  const DeliveryRecord r = record(*outbox, id);
  EXPECT_EQ(r.state, DeliveryState::kDelivered);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.last_status, 204);
  ASSERT_TRUE(r.finished);
  EXPECT_EQ(*r.finished, clock.now());
  clock.advance(1h);
  EXPECT_TRUE(claim(*outbox).empty());
}

TEST_F(OutboxTest, BackoffWithFullJitterThenDeadLetter) {
  auto outbox = open();
  const auto id = append(*outbox, upload("a.txt")).event_id;
  const TimePoint start = clock.now();
  // random = 0.5: waits of 0.5 * min(8 s, 1 s * 2^(n-1)).
  const milliseconds expected[] = {500ms, 1000ms, 2000ms, 4000ms, 4000ms, 4000ms};
  for (const milliseconds wait : expected) {
    auto claimed = claim(*outbox);
    ASSERT_EQ(claimed.size(), 1u);
    outbox->record_failure(claimed[0], {503, "HTTP 503: down", 0ms, false});
    const DeliveryRecord r = record(*outbox, id);
    ASSERT_EQ(r.state, DeliveryState::kPending);
    EXPECT_EQ(r.next_attempt, clock.now() + wait);
    EXPECT_EQ(r.last_status, 503);
    EXPECT_EQ(r.last_error, "HTTP 503: down");
    clock.advance(wait - 1ms);
    EXPECT_TRUE(claim(*outbox).empty()) << "claimable before its time";
    clock.advance(1ms);
  }
  // Up to the window's end, attempts go on; the failure whose next attempt would fall
  // outside 60 s of the first makes it a dead letter.
  int attempts = 6;
  while (true) {
    auto claimed = claim(*outbox);
    ASSERT_EQ(claimed.size(), 1u);
    outbox->record_failure(claimed[0], {0, "connection refused", 0ms, false});
    ++attempts;
    const DeliveryRecord r = record(*outbox, id);
    if (r.state == DeliveryState::kDead) {
      EXPECT_GT(clock.now() + 4s, start + 60s);
      EXPECT_EQ(r.attempts, attempts);
      EXPECT_EQ(r.last_error, "connection refused");
      break;
    }
    ASSERT_EQ(r.state, DeliveryState::kPending);
    ASSERT_LE(r.next_attempt, start + 60s);
    clock.advance(4s);
  }
  clock.advance(1h);
  EXPECT_TRUE(claim(*outbox).empty());
}

TEST_F(OutboxTest, JitterIsDrawnFromTheRandomSource) {
  auto outbox = open();
  const auto id = append(*outbox, upload("a.txt")).event_id;
  random = 0.0;  // full jitter may retry at once
  auto claimed = claim(*outbox);
  outbox->record_failure(claimed[0], {500, "x", 0ms, false});
  EXPECT_EQ(record(*outbox, id).next_attempt, clock.now());
  random = 0.999;
  claimed = claim(*outbox);
  outbox->record_failure(claimed[0], {500, "x", 0ms, false});
  EXPECT_EQ(record(*outbox, id).next_attempt, clock.now() + 1998ms);
}

TEST_F(OutboxTest, RetryAfterIsALowerBoundAndGoneIsFinal) {
  auto outbox = open();
  const auto a = append(*outbox, upload("a.txt")).event_id;
  const auto b = append(*outbox, upload("b.txt")).event_id;
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 2u);
  outbox->record_failure(claimed[0], {429, "HTTP 429", 7s, false});
  outbox->record_failure(claimed[1], {410, "HTTP 410", 0ms, true});
  EXPECT_EQ(record(*outbox, a).next_attempt, clock.now() + 7s);
  const DeliveryRecord gone = record(*outbox, b);
  EXPECT_EQ(gone.state, DeliveryState::kDead);
  EXPECT_EQ(gone.attempts, 1);
}

TEST_F(OutboxTest, LaterEventForAnObjectWaitsForTheEarlierOne) {
  auto outbox = open();
  const auto a1 = append(*outbox, upload("a.txt"), {"app", "audit"}).event_id;
  const auto a2 = append(*outbox, deletion("a.txt", "seq-2"), {"app", "audit"}).event_id;
  const auto b1 = append(*outbox, upload("b.txt"), {"app"}).event_id;
  auto first = claim(*outbox);
  EXPECT_EQ(ids(first), (std::vector<std::string>{a1, b1}));
  EXPECT_EQ(record(*outbox, a2).state, DeliveryState::kWaiting);

  // a1 fails: a2 keeps waiting, even once a1's retry is due and claimed again.
  outbox->record_failure(first[0], {500, "HTTP 500", 0ms, false});
  outbox->record_success(first[1], 200);
  ASSERT_TRUE(outbox->flush());  // recorded at this time, before the clock moves on
  clock.advance(10s);
  auto second = claim(*outbox);
  EXPECT_EQ(ids(second), (std::vector<std::string>{a1}));
  // Another endpoint's progress is its own.
  auto audit = claim(*outbox, "audit");
  EXPECT_EQ(ids(audit), (std::vector<std::string>{a1}));
  outbox->record_success(audit[0], 200);
  EXPECT_EQ(ids(claim(*outbox, "audit")), (std::vector<std::string>{a2}));

  outbox->record_success(second[0], 200);
  ASSERT_TRUE(outbox->flush());
  EXPECT_EQ(ids(claim(*outbox)), (std::vector<std::string>{a2}));
}

TEST_F(OutboxTest, ADeadLetterUnblocksTheNextEvent) {
  auto outbox = open();
  append(*outbox, upload("a.txt"));
  const auto a2 = append(*outbox, deletion("a.txt", "seq-2")).event_id;
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 1u);
  outbox->record_failure(claimed[0], {410, "gone", 0ms, true});
  ASSERT_TRUE(outbox->flush());
  EXPECT_EQ(ids(claim(*outbox)), (std::vector<std::string>{a2}));
}

TEST_F(OutboxTest, WaitingSurvivesReopen) {
  std::string a2;
  {
    auto outbox = open();
    append(*outbox, upload("a.txt"));
    a2 = append(*outbox, deletion("a.txt", "seq-2")).event_id;
    ASSERT_EQ(claim(*outbox).size(), 1u);
  }
  auto outbox = open();
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 1u);  // a1 again; a2 still waits
  EXPECT_NE(claimed[0].event_id, a2);
  outbox->record_success(claimed[0], 200);
  ASSERT_TRUE(outbox->flush());
  EXPECT_EQ(ids(claim(*outbox)), (std::vector<std::string>{a2}));
}

TEST_F(OutboxTest, StaleReports) {
  auto outbox = open();
  const auto id = append(*outbox, upload("a.txt")).event_id;
  auto old_claim = claim(*outbox);
  clock.advance(31s);  // lease expired
  auto new_claim = claim(*outbox);
  ASSERT_EQ(new_claim.size(), 1u);
  // The first worker's failure arrives late: ignored, the second worker owns the delivery.
  outbox->record_failure(old_claim[0], {500, "late", 0ms, false});
  DeliveryRecord r = record(*outbox, id);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.last_error, "");
  // A late success still counts: it was delivered.
  outbox->record_success(old_claim[0], 200);
  r = record(*outbox, id);
  EXPECT_EQ(r.state, DeliveryState::kDelivered);
  outbox->record_failure(new_claim[0], {500, "after", 0ms, false});
  EXPECT_EQ(record(*outbox, id).state, DeliveryState::kDelivered);
}

TEST_F(OutboxTest, ReleaseMakesAClaimDueAgain) {
  auto outbox = open();
  append(*outbox, upload("a.txt"));
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 1u);
  outbox->release(claimed[0]);
  ASSERT_TRUE(outbox->flush());
  auto again = claim(*outbox);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 0);
}

TEST_F(OutboxTest, AReleasedOrCrashClearedClaimKeepsItsPlace) {
  auto outbox = open();
  const auto a = append(*outbox, upload("a.txt")).event_id;
  clock.advance(1s);
  const auto b = append(*outbox, upload("b.txt")).event_id;
  auto first = claim(*outbox, "app", 1);
  ASSERT_EQ(ids(first), std::vector<std::string>{a});
  clock.advance(1s);
  outbox->release(first[0]);
  ASSERT_TRUE(outbox->flush());
  EXPECT_EQ(ids(claim(*outbox, "app", 1)), std::vector<std::string>{a});  // still first
  outbox.reset();  // a crash holding a's lease
  clock.advance(1s);
  outbox = open();
  EXPECT_EQ(ids(claim(*outbox)), (std::vector<std::string>{a, b}));
}

TEST_F(OutboxTest, ReplayDeadDeliveredOrOneEndpoint) {
  auto outbox = open();
  const auto id = append(*outbox, upload("a.txt"), {"app", "audit"}).event_id;
  auto app = claim(*outbox, "app");
  auto audit = claim(*outbox, "audit");
  outbox->record_failure(app[0], {410, "gone", 0ms, true});
  outbox->record_success(audit[0], 200);
  EXPECT_EQ(record(*outbox, id, "app").state, DeliveryState::kDead);

  auto replayed = outbox->replay(id, std::string("app"));
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_EQ(*replayed, 1u);
  const DeliveryRecord r = record(*outbox, id, "app");
  EXPECT_EQ(r.state, DeliveryState::kPending);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.last_error, "");
  EXPECT_EQ(ids(claim(*outbox, "app")), (std::vector<std::string>{id}));
  EXPECT_TRUE(claim(*outbox, "audit").empty());

  EXPECT_EQ(*outbox->replay(id), 2u);  // every endpoint, delivered ones too
  EXPECT_EQ(claim(*outbox, "audit").size(), 1u);

  auto unknown = outbox->replay("evt_00000000000000000000000000000000");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, OutboxErrc::kNotFound);
}

TEST_F(OutboxTest, ReplayStartsAFreshWindow) {
  auto outbox = open();
  const auto id = append(*outbox, upload("a.txt")).event_id;
  auto claimed = claim(*outbox);
  outbox->record_failure(claimed[0], {410, "gone", 0ms, true});
  ASSERT_TRUE(outbox->flush());
  clock.advance(24h);
  ASSERT_TRUE(outbox->replay(id));
  claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 1u);
  outbox->record_failure(claimed[0], {500, "still down", 0ms, false});
  EXPECT_EQ(record(*outbox, id).state, DeliveryState::kPending);  // not dead at once
}

TEST_F(OutboxTest, ListFiltersAndPages) {
  auto outbox = open();
  std::vector<std::string> all;
  for (int i = 0; i < 5; ++i)
    all.push_back(append(*outbox, upload("k" + std::to_string(i))).event_id);
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 5u);
  outbox->record_success(claimed[0], 200);
  outbox->record_failure(claimed[1], {500, "x", 0ms, false});
  outbox->record_failure(claimed[2], {410, "gone", 0ms, true});
  ASSERT_TRUE(outbox->flush());
  auto list = [&](ListQuery::Filter f) {
    auto r = outbox->list({f, 100, {}, {}});
    EXPECT_TRUE(r);
    std::vector<std::string> out;
    for (const auto& d : *r) out.push_back(d.event_id);
    return out;
  };
  EXPECT_EQ(list(ListQuery::Filter::kAll),
            (std::vector<std::string>{all[4], all[3], all[2], all[1], all[0]}));
  EXPECT_EQ(list(ListQuery::Filter::kUndelivered),
            (std::vector<std::string>{all[4], all[3], all[1]}));
  EXPECT_EQ(list(ListQuery::Filter::kFailed), (std::vector<std::string>{all[2], all[1]}));
  EXPECT_EQ(list(ListQuery::Filter::kDead), (std::vector<std::string>{all[2]}));
  auto page1 = outbox->list({ListQuery::Filter::kAll, 2, {}, {}});
  ASSERT_EQ(page1->size(), 2u);
  auto page2 = outbox->list({ListQuery::Filter::kAll, 2, page1->back().event_seq, {}});
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_EQ((*page2)[0].event_id, all[2]);
  const DeliveryRecord dead = (*outbox->list({ListQuery::Filter::kDead, 1, {}, {}}))[0];
  EXPECT_EQ(dead.bucket, "uploads");
  EXPECT_EQ(dead.key, "k2");
  EXPECT_EQ(dead.type, EventType::kUploadCompleted);
  EXPECT_EQ(dead.endpoint, "app");
}

TEST_F(OutboxTest, Metrics) {
  auto outbox = open();
  auto empty = outbox->metrics();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->queued, 0u);
  EXPECT_FALSE(empty->oldest_undelivered_age);
  for (int i = 0; i < 4; ++i) append(*outbox, upload("k" + std::to_string(i)));
  append(*outbox, deletion("k0", "s"));  // waits behind k0
  clock.advance(30s);
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 4u);
  outbox->record_success(claimed[0], 200);
  outbox->record_failure(claimed[1], {500, "x", 0ms, false});
  outbox->record_failure(claimed[2], {410, "gone", 0ms, true});
  ASSERT_TRUE(outbox->flush());
  auto m = outbox->metrics();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->queued, 3u);  // k1 retrying, k3 in flight, k0's delete now pending
  EXPECT_EQ(m->retrying, 1u);
  EXPECT_EQ(m->dead, 1u);
  EXPECT_EQ(m->delivered_total, 1u);
  EXPECT_EQ(m->failed_attempts_total, 2u);
  ASSERT_TRUE(m->oldest_undelivered_age);
  EXPECT_EQ(*m->oldest_undelivered_age, 30s);
}

TEST_F(OutboxTest, BacklogsPerEndpoint) {
  auto outbox = open();
  auto empty = outbox->backlogs();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  const TimePoint first = clock.now();
  append(*outbox, upload("k0"), {"app", "audit"});
  clock.advance(10s);
  append(*outbox, upload("k1"), {"app"});
  append(*outbox, deletion("k1", "s"), {"app"});  // waits behind k1
  append(*outbox, upload("k2"), {"audit"});
  auto app = claim(*outbox, "app");
  ASSERT_EQ(app.size(), 2u);  // k0, k1
  outbox->record_success(app[0], 200);
  outbox->record_failure(app[1], {410, "gone", 0ms, true});  // dead; k1's delete is due
  auto audit = claim(*outbox, "audit");
  ASSERT_EQ(audit.size(), 2u);
  outbox->record_failure(audit[0], {500, "x", 0ms, false});  // k0 retrying: still queued
  outbox->record_success(audit[1], 200);
  ASSERT_TRUE(outbox->flush());
  auto backlogs = outbox->backlogs();
  ASSERT_TRUE(backlogs);
  std::map<std::string, EndpointBacklog> by_name;
  for (const auto& b : *backlogs) by_name[b.endpoint] = b;
  ASSERT_EQ(by_name.size(), 2u);
  EXPECT_EQ(by_name["app"].queued, 1u);    // the delete of k1
  EXPECT_EQ(by_name["app"].retrying, 0u);  // never tried yet
  EXPECT_EQ(by_name["app"].dead, 1u);
  EXPECT_EQ(by_name["app"].oldest_queued, first + 10s);
  EXPECT_EQ(by_name["audit"].queued, 1u);  // k0, retrying
  EXPECT_EQ(by_name["audit"].retrying, 1u);
  EXPECT_EQ(by_name["audit"].dead, 0u);
  EXPECT_EQ(by_name["audit"].oldest_queued, first);
  // Delivered and dead only: dead stays, nothing is queued.
  auto due = claim(*outbox, "app");
  ASSERT_EQ(due.size(), 1u);
  outbox->record_success(due[0], 200);
  ASSERT_TRUE(outbox->flush());
  backlogs = outbox->backlogs();
  ASSERT_TRUE(backlogs);
  for (const auto& b : *backlogs) {
    if (b.endpoint != "app") continue;
    EXPECT_EQ(b.queued, 0u);
    EXPECT_EQ(b.dead, 1u);
    EXPECT_FALSE(b.oldest_queued);
  }
}

TEST_F(OutboxTest, PruneForgetsDeliveredEventsAfterRetention) {
  auto outbox = open();
  const auto a = append(*outbox, upload("a.txt")).event_id;
  append(*outbox, upload("b.txt"));
  auto claimed = claim(*outbox);
  outbox->record_success(claimed[0], 200);
  outbox->record_failure(claimed[1], {410, "gone", 0ms, true});
  ASSERT_TRUE(outbox->flush());
  EXPECT_EQ(*outbox->prune(), 0u);
  clock.advance(2h);
  EXPECT_EQ(*outbox->prune(), 1u);
  auto rest = outbox->list({ListQuery::Filter::kAll, 10, {}, {}});
  ASSERT_EQ(rest->size(), 1u);  // the dead letter stays
  EXPECT_EQ((*rest)[0].key, "b.txt");
  // Past retention, the same object version is a new event again.
  EXPECT_FALSE(append(*outbox, upload("a.txt")).duplicate);
  EXPECT_TRUE(append(*outbox, upload("b.txt")).duplicate);
  (void)a;
}

TEST_F(OutboxTest, ConcurrentAppendsAreGroupCommitted) {
  auto outbox = open();
  constexpr int kThreads = 8;
  constexpr int kEach = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = outbox->append(upload("t" + std::to_string(t) + "/" + std::to_string(i)),
                                std::vector<std::string>{"app"});
        if (!r || r->duplicate) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(outbox->metrics()->queued, static_cast<std::uint64_t>(kThreads * kEach));
}

TEST_F(OutboxTest, AppendAllCommitsEveryRowTogether) {
  auto outbox = open();
  const AppendResult earlier = append(*outbox, upload("a.txt"));
  OutboxRecord report{"report:b", EventType::kUploadCompleted, "uploads", "b.txt", "{}"};
  const std::vector<OutboxAppend> rows{{outbox_record(upload("a.txt")), {"app"}},
                                       {outbox_record(upload("c.txt")), {"app", "audit"}},
                                       {report, {"upgate:verify-report"}},
                                       {outbox_record(upload("c.txt")), {"app"}}};
  const auto results = outbox->append_all(rows);
  ASSERT_TRUE(results) << results.error().message;
  ASSERT_EQ(results->size(), 4u);
  EXPECT_TRUE((*results)[0].duplicate);  // recorded before
  EXPECT_EQ((*results)[0].event_id, earlier.event_id);
  EXPECT_FALSE((*results)[1].duplicate);
  EXPECT_EQ((*results)[1].deliveries, 2u);
  EXPECT_EQ((*results)[2].event_id, event_id_for("report:b"));
  EXPECT_EQ((*results)[2].deliveries, 1u);
  EXPECT_TRUE((*results)[3].duplicate);  // came earlier in the same call
  EXPECT_EQ((*results)[3].event_id, (*results)[1].event_id);
  EXPECT_EQ(ids(claim(*outbox)),
            (std::vector<std::string>{earlier.event_id, (*results)[1].event_id}));
  EXPECT_EQ(claim(*outbox, "upgate:verify-report").size(), 1u);
  EXPECT_TRUE(outbox->append_all(std::vector<OutboxAppend>{}));
}

TEST_F(OutboxTest, AppendAllRecordsNothingWhenARowIsInvalid) {
  auto outbox = open();
  const std::vector<OutboxAppend> rows{{outbox_record(upload("a.txt")), {"app"}},
                                       {outbox_record(upload("b.txt", "")), {"app"}}};
  auto refused = outbox->append_all(rows);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, OutboxErrc::kInvalid);
  EXPECT_EQ(outbox->metrics()->queued, 0u);
  EXPECT_FALSE(*outbox->recorded(dedup_key(upload("a.txt"))));
}

TEST_F(OutboxTest, OpenOwnerLocksTheFileWithTheGivenRetryPolicy) {
  RetryPolicy retry;
  retry.window = 0ms;  // the first failure already ends the window: a dead letter
  auto owner = Outbox::open_owner(options().file, retry);
  ASSERT_TRUE(owner) << owner.error().message;
  auto second = Outbox::open_owner(options().file, RetryPolicy{});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, OutboxErrc::kInUse);
  append(**owner, upload("a.txt"));
  auto claimed = claim(**owner);
  ASSERT_EQ(claimed.size(), 1u);
  // Retry-After is a lower bound for the wait, so the next attempt is past the window.
  (*owner)->record_failure(claimed[0], {503, "busy", 1s, false});
  ASSERT_TRUE((*owner)->flush());
  EXPECT_EQ((*owner)->metrics()->dead, 1u);
}

TEST_F(OutboxTest, ListLeavesOutUpgatesOwnQueuesWhenAsked) {
  auto outbox = open();
  const auto hook = append(*outbox, upload("a.txt")).event_id;
  const std::string own = "upgate:verify-report";
  OutboxRecord report{"report:b", EventType::kUploadCompleted, "uploads", "b.txt", "{}"};
  const auto queued = outbox->append(report, std::span<const std::string>(&own, 1));
  ASSERT_TRUE(queued);
  auto listed = [&](ListQuery query) {
    auto rows = outbox->list(query);
    EXPECT_TRUE(rows);
    std::vector<std::string> out;
    for (const auto& r : *rows) out.push_back(r.event_id);
    return out;
  };
  ListQuery query;
  EXPECT_EQ(listed(query), (std::vector<std::string>{queued->event_id, hook}));
  query.internal = false;
  EXPECT_EQ(listed(query), (std::vector<std::string>{hook}));
  query.endpoint = own;  // named: shown
  EXPECT_EQ(listed(query), (std::vector<std::string>{queued->event_id}));
}

TEST_F(OutboxTest, ResultsLingerUntilSomeoneWaits) {
  OutboxOptions o = options();
  o.linger = 1h;  // results alone would wait that long: only a caller that waits ends it
  auto opened = Outbox::open(o);
  ASSERT_TRUE(opened);
  Outbox& outbox = **opened;
  append(outbox, upload("a.txt"));
  append(outbox, upload("b.txt"));
  auto claimed = claim(outbox);
  ASSERT_EQ(claimed.size(), 2u);
  outbox.record_success(claimed[0], 200);
  outbox.record_failure(claimed[1], {410, "gone", 0ms, true});
  // A claim is queued after them, so it sees them applied; a hang here is the bug.
  EXPECT_TRUE(claim(outbox).empty());
  EXPECT_EQ(outbox.metrics()->delivered_total, 1u);
  EXPECT_EQ(outbox.metrics()->dead, 1u);
}

TEST_F(OutboxTest, ResultsAreCommittedByThemselvesAfterTheLinger) {
  auto outbox = open();  // the default linger, a few milliseconds
  append(*outbox, upload("a.txt"));
  auto claimed = claim(*outbox);
  ASSERT_EQ(claimed.size(), 1u);
  outbox->record_success(claimed[0], 200);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (outbox->metrics()->delivered_total == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(outbox->metrics()->delivered_total, 1u);
}

TEST_F(OutboxTest, AsyncAppendCallsBackAfterTheCommit) {
  auto outbox = open();
  std::promise<Expected<AppendResult, OutboxError>> promise;
  outbox->append_async(upload("a.txt"), {"app"}, [&](Expected<AppendResult, OutboxError> r) {
    promise.set_value(std::move(r));
  });
  auto result = promise.get_future().get();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->deliveries, 1u);
  EXPECT_EQ(claim(*outbox).size(), 1u);
  std::promise<Expected<AppendResult, OutboxError>> refused;
  outbox->append_async(upload("b.txt", ""), {"app"}, [&](Expected<AppendResult, OutboxError> r) {
    refused.set_value(std::move(r));
  });
  EXPECT_FALSE(refused.get_future().get());
}

TEST_F(OutboxTest, OneOwnerAtATimeAndAnAdminBeside) {
  auto owner = open();
  auto second = Outbox::open(options());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, OutboxErrc::kInUse);
  const auto id = append(*owner, upload("a.txt")).event_id;
  auto claimed = claim(*owner);
  owner->record_failure(claimed[0], {410, "gone", 0ms, true});
  ASSERT_TRUE(owner->flush());

  auto admin = open(OutboxOptions::Role::kAdmin);
  auto dead = admin->list({ListQuery::Filter::kDead, 10, {}, {}});
  ASSERT_EQ(dead->size(), 1u);
  ASSERT_TRUE(admin->replay(id));
  admin.reset();
  EXPECT_EQ(ids(claim(*owner)), (std::vector<std::string>{id}));
}

TEST_F(OutboxTest, WorkGenerationMovesWhenWorkArrives) {
  auto outbox = open();
  const auto seen = outbox->work_generation();
  append(*outbox, upload("a.txt"));
  EXPECT_NE(outbox->work_generation(), seen);
  // Returns at once because the generation already moved; were it to wait for the deadline
  // instead, ctest's timeout would end the test (no assertion on elapsed wall-clock time).
  outbox->wait_for_work(seen, std::chrono::steady_clock::now() + 24h);
  ASSERT_TRUE(outbox->next_due("app"));
  EXPECT_EQ(**outbox->next_due("app"), clock.now());
  EXPECT_FALSE(*outbox->next_due("other"));
}

TEST_F(OutboxTest, UnusableFileIsAnError) {
  OutboxOptions o = options();
  o.file = std::filesystem::path(dir.path()) / "missing" / "outbox.db";
  auto outbox = Outbox::open(o);
  ASSERT_FALSE(outbox);
  EXPECT_EQ(outbox.error().code, OutboxErrc::kStorage);
  o.file = std::filesystem::path(dir.path()) / "garbage.db";
  { std::ofstream(o.file) << std::string(8192, 'x'); }
  EXPECT_FALSE(Outbox::open(o));
}

}  // namespace
}  // namespace upgate::events
