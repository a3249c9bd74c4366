// The Redis limiter against a real redis-server: limits shared by two limiters (two upgate
// copies), the same answers as the memory limiter, Redis killed, frozen and restarted,
// the script flushed, many coroutines at once, one round trip per admission, AUTH and
// SELECT without the password ever showing, unix sockets, and a hostile server.
#include "redis_server.hpp"
#include "support/eventually.hpp"

#include <upgate/limits/memory_limiter.hpp>
#include <upgate/limits/ratelimit_headers.hpp>
#include <upgate/limits/redis_limiter.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace upgate::limits {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RedisServer;

// An io_context on its own thread: one upgate copy's I/O.
class IoThread {
 public:
  IoThread() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  asio::any_io_executor executor() { return io_.get_executor(); }

  template <class T>
  T run(asio::awaitable<T> work) {
    auto wrapped = [](asio::awaitable<T> w) -> asio::awaitable<std::optional<T>> {
      co_return co_await std::move(w);
    };
    return std::move(*asio::co_spawn(io_, wrapped(std::move(work)), asio::use_future).get());
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

// One copy of upgate: its own I/O thread and its own RedisLimiter.
class Copy {
 public:
  explicit Copy(const std::string& url, StoreErrorPolicy on_error = StoreErrorPolicy::allow,
                milliseconds timeout = milliseconds(2000)) {
    RedisLimiterOptions options;
    options.endpoint = parse_redis_url(url).value();
    options.on_store_error = on_error;
    options.connect_timeout = timeout;
    options.command_timeout = timeout;
    options.backoff_initial = milliseconds(50);
    options.backoff_max = milliseconds(400);
    options.on_event = [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      events_.emplace_back(line);
    };
    limiter = std::make_unique<RedisLimiter>(io.executor(), std::move(options));
  }
  ~Copy() { limiter.reset(); }

  Decision admit(const Admission& a) { return io.run(limiter->admit(a)); }
  Expected<void, StoreError> release(std::string_view key, std::string_view id) {
    return io.run(limiter->release_upload(key, id));
  }
  RespValue command(std::vector<std::string> args) {
    auto reply = io.run(limiter->command(std::move(args)));
    EXPECT_TRUE(reply) << reply.error().message;
    return reply ? *reply : RespValue{};
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

  IoThread io;
  std::unique_ptr<RedisLimiter> limiter;

 private:
  std::mutex mutex_;
  std::vector<std::string> events_;
};

Admission rate_admission(std::string key, std::string_view rate, std::int64_t burst) {
  Admission a;
  a.rates.push_back({"rate", std::move(key), parse_rate(rate, burst).value()});
  return a;
}

using upgate::testing::eventually;

std::uint64_t evalsha_calls(Copy& copy) {
  const std::string info = copy.command({"INFO", "commandstats"}).text;
  const std::string marker = "cmdstat_evalsha:calls=";
  const std::size_t at = info.find(marker);
  if (at == std::string::npos) return 0;
  return std::stoull(info.substr(at + marker.size()));
}

TEST(RedisLimiter, TwoCopiesShareOneBucket) {
  RedisServer redis;
  Copy a(redis.url()), b(redis.url());
  const Admission shared = rate_admission("principal:alice", "10/min", 5);
  int allowed = 0;
  std::vector<std::uint64_t> remaining;
  for (int i = 0; i < 8; ++i) {
    const Decision d = (i % 2 == 0 ? a : b).admit(shared);
    ASSERT_NE(d.reason, Reason::store_unavailable) << d.store_error->message;
    if (d.allowed) {
      ++allowed;
      remaining.push_back(d.limits[0].remaining);
    } else {
      EXPECT_EQ(d.reason, Reason::rate_limited);
      EXPECT_GE(d.retry_after_seconds, 5u);  // 6 s per request, less the time spent so far
      EXPECT_LE(d.retry_after_seconds, 6u);
    }
  }
  EXPECT_EQ(allowed, 5);
  EXPECT_EQ(remaining, (std::vector<std::uint64_t>{4, 3, 2, 1, 0}));
}

// Redis' own clock refills the bucket: real time, with a tolerance on one side only.
TEST(RedisLimiter, RefillsInRealTime) {
  RedisServer redis;
  Copy copy(redis.url());
  const Admission a = rate_admission("k", "1/s", 1);
  ASSERT_TRUE(copy.admit(a).allowed);
  const Decision refused = copy.admit(a);
  EXPECT_EQ(refused.reason, Reason::rate_limited);
  EXPECT_EQ(refused.retry_after_seconds, 1u);
  std::this_thread::sleep_for(milliseconds(1050));
  EXPECT_TRUE(copy.admit(a).allowed);
}

TEST(RedisLimiter, TwoCopiesShareQuotasAndUploadSlots) {
  RedisServer redis;
  Copy a(redis.url()), b(redis.url());
  auto quota = [](std::uint64_t bytes) {
    Admission q;
    q.quota = QuotaCheck{"quota", "principal:alice", parse_quota("100 B/day").value(), bytes};
    return q;
  };
  EXPECT_TRUE(a.admit(quota(60)).allowed);
  const Decision over = b.admit(quota(50));
  EXPECT_EQ(over.reason, Reason::quota_exceeded);
  EXPECT_EQ(over.limits[0].remaining, 40u);
  EXPECT_TRUE(b.admit(quota(40)).allowed);

  auto open = [](std::string id) {
    Admission u;
    u.open_upload = OpenUploadCheck{"uploads", "principal:alice", OpenUploadsSpec{1}, std::move(id),
                                    seconds(300)};
    return u;
  };
  EXPECT_TRUE(a.admit(open("u1")).allowed);
  const Decision full = b.admit(open("u2"));
  EXPECT_EQ(full.reason, Reason::too_many_open_uploads);
  EXPECT_GE(full.retry_after_seconds, 299u);
  ASSERT_TRUE(b.release("principal:alice", "u1"));
  EXPECT_TRUE(b.admit(open("u2")).allowed);
}

// Random admissions against Redis, then the same admissions against the memory limiter
// with its clock set to the time Redis decided at: every Decision must be equal.
TEST(RedisLimiter, GivesTheSameAnswersAsTheMemoryLimiter) {
  RedisServer redis;
  Copy copy(redis.url());
  const std::vector<RateSpec> rates = {parse_rate("20/s", 3).value(), parse_rate("5/s", 1).value(),
                                       parse_rate("100/min", 2).value()};
  const std::vector<QuotaSpec> quotas = {parse_quota("1000 B/h").value(),
                                         parse_quota("5 KB/day").value()};
  const std::vector<std::string> keys = {"principal:a", "principal:b", "ip:192.0.2.1"};

  for (const unsigned seed : {1u, 2u, 3u}) {
    std::mt19937 random(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
    const std::string prefix = "seed" + std::to_string(seed) + ":";
    struct Step {
      std::optional<Admission> admission;
      std::string release_key, release_id;
      Decision decision;
    };
    std::vector<Step> steps;
    for (int i = 0; i < 150; ++i) {
      Step step;
      if (pick(10) == 0) {
        step.release_key = prefix + keys[pick(keys.size())];
        step.release_id = "u" + std::to_string(pick(4));
        ASSERT_TRUE(copy.release(step.release_key, step.release_id));
      } else {
        Admission a;
        const std::size_t first = pick(keys.size());
        for (std::size_t r = 0, n = pick(3); r < n; ++r) {
          a.rates.push_back({"r" + std::to_string(r), prefix + keys[(first + r) % keys.size()],
                             rates[pick(rates.size())]});
        }
        if (pick(2) == 0) {
          a.open_upload = OpenUploadCheck{"u", prefix + keys[pick(keys.size())],
                                          OpenUploadsSpec{static_cast<std::uint32_t>(1 + pick(3))},
                                          "u" + std::to_string(pick(4)), seconds(1)};
        }
        if (pick(2) == 0) {
          a.quota = QuotaCheck{"q", prefix + keys[pick(keys.size())], quotas[pick(quotas.size())],
                               pick(400)};
        }
        step.decision = copy.admit(a);
        ASSERT_NE(step.decision.reason, Reason::store_unavailable)
            << step.decision.store_error->message;
        step.admission = std::move(a);
      }
      steps.push_back(std::move(step));
      // Now and then let buckets refill and slots expire.
      if (pick(8) == 0) std::this_thread::sleep_for(milliseconds(20 + pick(300)));
    }

    auto now = std::make_shared<std::atomic<std::int64_t>>(0);
    MemoryLimiter memory(
        MemoryLimiterOptions{100'000, [now] { return std::chrono::microseconds(now->load()); }});
    int refusals = 0;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Step& step = steps[i];
      if (!step.admission) {
        memory.release(step.release_key, step.release_id);
        continue;
      }
      now->store(step.decision.decided_at.count());
      const Decision replayed = memory.decide(*step.admission);
      EXPECT_EQ(replayed, step.decision)
          << "seed " << seed << ", step " << i << ": redis " << to_string(step.decision.reason)
          << ", memory " << to_string(replayed.reason);
      if (!step.decision.allowed) ++refusals;
    }
    // The sequence must have exercised refusals, not only the happy path.
    EXPECT_GT(refusals, 10) << "seed " << seed;
  }
}

TEST(RedisLimiter, KilledRedisGivesTheConfiguredAnswerThenRecovers) {
  RedisServer redis;
  Copy open(redis.url(), StoreErrorPolicy::allow, milliseconds(300));
  Copy closed(redis.url(), StoreErrorPolicy::deny, milliseconds(300));
  const Admission a = rate_admission("principal:alice", "100/s", 100);
  ASSERT_EQ(open.admit(a).reason, Reason::within_limits);
  ASSERT_EQ(closed.admit(a).reason, Reason::within_limits);

  redis.kill();
  for (int i = 0; i < 3; ++i) {
    const Decision allowed = open.admit(a);
    EXPECT_TRUE(allowed.allowed);
    EXPECT_EQ(allowed.reason, Reason::store_unavailable);
    ASSERT_TRUE(allowed.store_error.has_value());
    EXPECT_TRUE(allowed.limits.empty());
    EXPECT_EQ(ratelimit_fields(allowed).ratelimit, "");

    const Decision denied = closed.admit(a);
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.reason, Reason::store_unavailable);
    EXPECT_EQ(refusal_message(denied), "upload limits are unavailable; retry later");
  }
  EXPECT_GT(open.limiter->stats().errors_total(), 0u);
  EXPECT_GT(closed.limiter->stats().errors_total(), 0u);
  EXPECT_FALSE(open.release("principal:alice", "u1"));

  redis.restart();
  EXPECT_TRUE(eventually([&] { return open.admit(a).reason == Reason::within_limits; }));
  EXPECT_TRUE(eventually([&] { return closed.admit(a).reason == Reason::within_limits; }));
  const auto events = open.events();
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const std::string& e) {
    return e.find("connected again") != std::string::npos;
  }));
}

TEST(RedisLimiter, AFrozenRedisTimesOut) {
  RedisServer redis;
  Copy copy(redis.url(), StoreErrorPolicy::deny, milliseconds(200));
  const Admission a = rate_admission("k", "100/s", 100);
  ASSERT_EQ(copy.admit(a).reason, Reason::within_limits);
  redis.pause();
  const Decision d = copy.admit(a);
  redis.resume();
  EXPECT_EQ(d.reason, Reason::store_unavailable);
  EXPECT_FALSE(d.allowed);
  ASSERT_TRUE(d.store_error.has_value());
  EXPECT_EQ(d.store_error->kind, StoreErrorKind::timeout) << d.store_error->message;
  EXPECT_GE(copy.limiter->stats().errors[static_cast<std::size_t>(StoreErrorKind::timeout)], 1u);
  EXPECT_TRUE(eventually([&] { return copy.admit(a).reason == Reason::within_limits; }));
}

TEST(RedisLimiter, TheScriptIsLoadedAgainAfterScriptFlush) {
  RedisServer redis;
  Copy copy(redis.url());
  const Admission a = rate_admission("k", "10/h", 5);
  ASSERT_EQ(copy.admit(a).limits.at(0).remaining, 4u);
  const std::uint64_t loads = copy.limiter->stats().script_loads;
  EXPECT_EQ(loads, 1u);  // a fresh server: NOSCRIPT once
  EXPECT_EQ(copy.command({"SCRIPT", "FLUSH"}).text, "OK");
  const Decision d = copy.admit(a);
  ASSERT_EQ(d.reason, Reason::within_limits);
  EXPECT_EQ(d.limits[0].remaining, 3u);  // the bucket survived; only the script was gone
  EXPECT_EQ(copy.limiter->stats().script_loads, loads + 1);
  const auto events = copy.events();
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const std::string& e) {
    return e.find("admission script loaded") != std::string::npos;
  }));
}

TEST(RedisLimiter, ManyCoroutinesOnTwoCopiesAdmitExactlyTheBurst) {
  RedisServer redis;
  Copy a(redis.url()), b(redis.url());
  const Admission shared = rate_admission("principal:busy", "50/h", 50);
  std::atomic<int> allowed{0}, unavailable{0};
  std::vector<std::future<void>> done;
  for (Copy* copy : {&a, &b}) {
    for (int i = 0; i < 100; ++i) {
      done.push_back(asio::co_spawn(
          copy->io.executor(),
          [&, copy]() -> asio::awaitable<void> {
            const Decision d = co_await copy->limiter->admit(shared);
            if (d.allowed && d.reason == Reason::within_limits) ++allowed;
            if (d.reason == Reason::store_unavailable) ++unavailable;
          },
          asio::use_future));
    }
  }
  for (auto& f : done) f.get();
  EXPECT_EQ(unavailable.load(), 0);
  EXPECT_EQ(allowed.load(), 50);
  EXPECT_LE(a.limiter->stats().open_connections, 4u);
}

TEST(RedisLimiter, OneRoundTripPerAdmission) {
  RedisServer redis;
  Copy copy(redis.url());
  Admission a = rate_admission("principal:alice", "1000/s", 1000);
  a.rates.push_back({"global", "global", parse_rate("1000/s", 1000).value()});
  a.open_upload =
      OpenUploadCheck{"uploads", "principal:alice", OpenUploadsSpec{1000}, "u", seconds(60)};
  a.quota = QuotaCheck{"quota", "principal:alice", parse_quota("1 TB/day").value(), 1000};
  ASSERT_EQ(copy.admit(a).reason, Reason::within_limits);  // loads the script
  const std::uint64_t calls_before = evalsha_calls(copy);
  const std::uint64_t commands_before = copy.limiter->stats().commands;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(copy.admit(a).reason, Reason::within_limits);
  // INFO is one command; everything else the 100 admissions sent.
  EXPECT_EQ(evalsha_calls(copy) - calls_before, 100u);
  EXPECT_EQ(copy.limiter->stats().commands - commands_before, 100u + 1);
}

TEST(RedisLimiter, EveryKeyExpires) {
  RedisServer redis;
  Copy copy(redis.url());
  Admission a = rate_admission("principal:alice", "20/s", 1);
  a.open_upload =
      OpenUploadCheck{"uploads", "principal:alice", OpenUploadsSpec{3}, "u", seconds(1)};
  a.quota = QuotaCheck{"quota", "principal:alice", parse_quota("1 GB/h").value(), 10};
  ASSERT_EQ(copy.admit(a).reason, Reason::within_limits);
  const RespValue keys = copy.command({"KEYS", "upgate:limits:*"});
  ASSERT_EQ(keys.elements.size(), 3u);
  for (const RespValue& key : keys.elements) {
    const RespValue ttl = copy.command({"PTTL", key.text});
    EXPECT_GT(ttl.integer, 0) << key.text;
    EXPECT_LE(ttl.integer, 3600 * 1000 + 1) << key.text;
  }
  // The bucket is full again after 50 ms, the slot gone after a second.
  EXPECT_TRUE(eventually([&] {
    return copy.command({"KEYS", "upgate:limits:*"}).elements.size() == 1;
  }));
}

TEST(RedisLimiter, AuthAndSelectWithoutThePasswordEverShowing) {
  const std::string password = "pw-9f1c2e-Top-Secret";
  // Each word its own argument: redis-server quotes every argument as one config token.
  RedisServer redis(RedisServer::Options{
      true,
      false,
      {"--user", "alice", "on", ">" + password, "~*", "&*", "+@all", "--user", "default", "off"}});
  Copy db3(redis.url("alice:" + password + "@", 3));
  const Admission a = rate_admission("principal:alice", "10/min", 10);
  ASSERT_EQ(db3.admit(a).reason, Reason::within_limits);
  EXPECT_EQ(db3.command({"DBSIZE"}).integer, 1);
  Copy db0(redis.url("alice:" + password + "@", 0));
  EXPECT_EQ(db0.command({"DBSIZE"}).integer, 0);

  Copy wrong(redis.url("alice:not-" + password + "@", 3), StoreErrorPolicy::deny,
             milliseconds(500));
  const Decision refused = wrong.admit(a);
  ASSERT_EQ(refused.reason, Reason::store_unavailable);
  EXPECT_EQ(refused.store_error->kind, StoreErrorKind::auth) << refused.store_error->message;
  EXPECT_NE(refused.store_error->message.find("<redacted>"), std::string::npos);
  const Decision again = wrong.admit(a);  // during the backoff
  ASSERT_TRUE(again.store_error.has_value());

  std::vector<std::string> texts = {refused.store_error->message, again.store_error->message,
                                    render_prometheus(wrong.limiter->stats())};
  for (const std::string& e : wrong.events()) texts.push_back(e);
  for (const std::string& e : db3.events()) texts.push_back(e);
  EXPECT_GE(texts.size(), 4u);
  for (const std::string& text : texts) {
    EXPECT_EQ(text.find(password), std::string::npos) << text;
    EXPECT_EQ(text.find("Top-Secret"), std::string::npos) << text;
  }
}

TEST(RedisLimiter, UnixSocket) {
  RedisServer redis(RedisServer::Options{false, true, {}});
  Copy copy(redis.url());
  const Admission a = rate_admission("k", "2/min", 2);
  EXPECT_TRUE(copy.admit(a).allowed);
  EXPECT_TRUE(copy.admit(a).allowed);
  EXPECT_EQ(copy.admit(a).reason, Reason::rate_limited);
}

// A server that answers every command with `reply` (a misconfigured port, a hostile peer).
class FakeServer {
 public:
  explicit FakeServer(std::string reply)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), reply_(std::move(reply)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeServer() {
    io_.stop();
    thread_.join();
  }
  std::string url() const {
    return "redis://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      auto s = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
      auto buffer = std::make_shared<asio::streambuf>();
      asio::async_read_until(*s, *buffer, "\r\n",
                             [this, s, buffer](boost::system::error_code e, std::size_t) {
                               if (!e)
                                 asio::async_write(*s, asio::buffer(reply_), [s](auto, auto) {});
                             });
      accept();
    });
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::string reply_;
  std::thread thread_;
};

TEST(RedisLimiter, AHostileServerIsAProtocolErrorNotACrash) {
  const Admission a = rate_admission("k", "1/s", 1);
  const std::pair<std::string, std::string> replies[] = {
      {"$9223372036854775807\r\n", "bulk string of 9223372036854775807 bytes"},
      {"*2147483647\r\n", "array of 2147483647 elements"},
      {"HTTP/1.1 400 Bad Request\r\n\r\n", "unexpected reply type byte 'H'"},
      {":1\r\n", "answered something else"},
      {"*7\r\n:1\r\n:9\r\n:0\r\n:0\r\n:0\r\n:0\r\n:0\r\n", "unknown reason"},
      {"*7\r\n:1\r\n:0\r\n$1\r\nx\r\n:0\r\n:0\r\n:0\r\n:0\r\n", "non-integer"},
      {"-ERR something broke\r\n", "the admission script failed: ERR something broke"},
  };
  for (const auto& [reply, expected] : replies) {
    FakeServer fake(reply);
    Copy copy(fake.url(), StoreErrorPolicy::deny, milliseconds(500));
    const Decision d = copy.admit(a);
    EXPECT_EQ(d.reason, Reason::store_unavailable) << reply;
    ASSERT_TRUE(d.store_error.has_value()) << reply;
    EXPECT_NE(d.store_error->message.find(expected), std::string::npos) << d.store_error->message;
  }
}

}  // namespace
}  // namespace upgate::limits
