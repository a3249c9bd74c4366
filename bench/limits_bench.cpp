// What the limits cost a request.
//
// Memory backend: one admission (a rate check; the upload API's full set of two rates, an
// open-upload slot and a quota), on one thread and on two at once, over 10,000 keys.
//
// Redis backend (only when UPGATE_BENCH_REDIS_URL names a server; bench/limits_redis.sh
// starts one): one admission at a time (latency) and 64 in flight (throughput), with the
// commands each admission sent, read from the limiter's counters: `round_trips` is
// commands per admission, 1 when the script is loaded.
#include <benchmark/benchmark.h>

#include <upgate/limits/memory_limiter.hpp>
#include <upgate/limits/redis_limiter.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace upgate::limits;

constexpr int kKeys = 10'000;

std::vector<Admission> rate_admissions(const std::string& tag) {
  std::vector<Admission> out;
  for (int i = 0; i < kKeys; ++i) {
    Admission a;
    a.rates.push_back({"avatars", "profile:avatars|principal:" + tag + std::to_string(i),
                       parse_rate("1000000/day", 1'000'000).value()});
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<Admission> full_admissions(const std::string& tag) {
  std::vector<Admission> out;
  for (int i = 0; i < kKeys; ++i) {
    const std::string principal = "principal:" + tag + std::to_string(i);
    Admission a;
    a.rates.push_back(
        {"avatars", "profile:avatars|" + principal, parse_rate("1000000/day", 1'000'000).value()});
    a.rates.push_back({"global", principal, parse_rate("1000000/day", 1'000'000).value()});
    a.open_upload = OpenUploadCheck{"avatars-uploads", principal, OpenUploadsSpec{100'000},
                                    "upload-1", std::chrono::seconds(300)};
    a.quota = QuotaCheck{"avatars-quota", principal, parse_quota("1 TB/day").value(), 1};
    out.push_back(std::move(a));
  }
  return out;
}

MemoryLimiter& shared_memory_limiter() {
  static MemoryLimiter limiter;
  return limiter;
}

// Steady state: every key already has state (the first pass, which creates it, is not timed).
void run_memory(benchmark::State& state, const std::vector<Admission>& admissions) {
  MemoryLimiter& limiter = shared_memory_limiter();
  for (const Admission& a : admissions) limiter.decide(a);
  std::size_t i = 0;
  for (auto _ : state) {
    Decision d = limiter.decide(admissions[i++ % admissions.size()]);
    benchmark::DoNotOptimize(d.allowed);
  }
}

void BM_MemoryAdmitOneRate(benchmark::State& state) {
  const auto admissions = rate_admissions("t" + std::to_string(state.thread_index()) + "-");
  run_memory(state, admissions);
}
BENCHMARK(BM_MemoryAdmitOneRate)->ThreadRange(1, 2)->UseRealTime();

void BM_MemoryAdmitRatesSlotAndQuota(benchmark::State& state) {
  const auto admissions = full_admissions("t" + std::to_string(state.thread_index()) + "-");
  run_memory(state, admissions);
}
BENCHMARK(BM_MemoryAdmitRatesSlotAndQuota)->ThreadRange(1, 2)->UseRealTime();

// A key never seen before at every request (new clients): the insertion, the sweep of
// dead state beside it, and once the bound is reached the eviction.
void BM_MemoryAdmitNewKey(benchmark::State& state) {
  MemoryLimiter limiter(MemoryLimiterOptions{100'000, system_clock_now});
  Admission a;
  a.rates.push_back({"avatars", "", parse_rate("60/min").value()});
  const std::string prefix = "principal:t" + std::to_string(state.thread_index()) + "-";
  std::uint64_t n = 0;
  for (auto _ : state) {
    a.rates[0].key = prefix + std::to_string(n++);
    Decision d = limiter.decide(a);
    benchmark::DoNotOptimize(d.allowed);
  }
  state.counters["keys"] = static_cast<double>(limiter.stats().keys);
  state.counters["live_evictions"] = static_cast<double>(limiter.stats().live_evictions);
}
BENCHMARK(BM_MemoryAdmitNewKey)->UseRealTime();

// Every thread on the same key: the worst case for one shard's lock.
void BM_MemoryAdmitOneHotKey(benchmark::State& state) {
  const auto admissions = rate_admissions("hot");
  MemoryLimiter& limiter = shared_memory_limiter();
  for (auto _ : state) {
    Decision d = limiter.decide(admissions[0]);
    benchmark::DoNotOptimize(d.allowed);
  }
}
BENCHMARK(BM_MemoryAdmitOneHotKey)->ThreadRange(1, 2)->UseRealTime();

// What bench/api.sh's limits server does: one client (wrk) on one key, the full set, a new
// upload id (a 16-digit request id) at every request, each slot open for 1 s, so the set
// holds about a second's worth of requests and one slot expires per new one. The clock
// steps 40 us per request (25,000 requests/s), so 25,000 slots are open.
void BM_MemoryAdmitApiSeedRoute(benchmark::State& state) {
  std::int64_t now_us = system_clock_now().count();
  MemoryLimiter limiter(MemoryLimiterOptions{
      1'000'000, [&now_us] { return std::chrono::microseconds(now_us += 40); }});
  const std::string who = "ip:127.0.0.1";
  const std::string per_profile = "profile:default|" + who;
  Admission a;
  a.rates.push_back({"default", per_profile, parse_rate("6000000/min").value()});
  a.rates.push_back({"global", who, parse_rate("6000000/min").value()});
  a.open_upload = OpenUploadCheck{"default-uploads", per_profile, OpenUploadsSpec{100'000}, "",
                                  std::chrono::seconds(1)};
  a.quota = QuotaCheck{"default-quota", per_profile, parse_quota("900 TB/day").value(), 2483712};
  std::uint64_t n = 0x5eed000000000000;
  char id[17] = {};
  std::int64_t refused = 0;
  for (auto _ : state) {
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(n++));
    a.open_upload->upload_id = id;
    Decision d = limiter.decide(a);
    refused += d.allowed ? 0 : 1;
  }
  state.counters["refused"] = static_cast<double>(refused);  // 0: every slot was taken
}
BENCHMARK(BM_MemoryAdmitApiSeedRoute)->UseRealTime()->MinTime(3.0);

// --- Redis -------------------------------------------------------------------------------

// A RedisLimiter on its own I/O thread, the script already loaded (steady state), or
// nothing when no server is named.
class RedisBench {
 public:
  static std::unique_ptr<RedisBench> start(benchmark::State& state, const Admission& first) {
    const char* url = std::getenv("UPGATE_BENCH_REDIS_URL");
    if (url == nullptr) {
      state.SkipWithError("UPGATE_BENCH_REDIS_URL is not set (bench/limits_redis.sh sets it)");
      return nullptr;
    }
    auto bench = std::unique_ptr<RedisBench>(new RedisBench(url));
    bench->admit(first).get();
    bench->commands_before_ = bench->limiter_->stats().commands;
    return bench;
  }
  ~RedisBench() {
    limiter_.reset();
    guard_.reset();
    io_.stop();
    thread_.join();
  }

  std::future<Decision> admit(const Admission& a) {
    return boost::asio::co_spawn(io_, limiter_->admit(a), boost::asio::use_future);
  }

  // Commands per admission since start(), and the errors seen.
  void report(benchmark::State& state, std::uint64_t admissions) const {
    const RedisStats stats = limiter_->stats();
    state.counters["round_trips"] =
        static_cast<double>(stats.commands - commands_before_) / static_cast<double>(admissions);
    state.counters["errors"] = static_cast<double>(stats.errors_total());
  }

 private:
  explicit RedisBench(const char* url)
      : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {
    RedisLimiterOptions options;
    options.endpoint = parse_redis_url(url).value();
    options.pool_size = 8;
    options.key_prefix = "upgate:bench:";
    limiter_ = std::make_unique<RedisLimiter>(io_.get_executor(), std::move(options));
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
  std::unique_ptr<RedisLimiter> limiter_;
  std::uint64_t commands_before_ = 0;
};

void BM_RedisAdmitOneAtATime(benchmark::State& state, const std::vector<Admission>* admissions) {
  const auto redis = RedisBench::start(state, admissions->front());
  if (!redis) return;
  std::size_t i = 0;
  for (auto _ : state) {
    Decision d = redis->admit((*admissions)[i++ % kKeys]).get();
    benchmark::DoNotOptimize(d.allowed);
  }
  redis->report(state, state.iterations());
}

// 64 admissions in flight: throughput through the pool of 8 connections.
void BM_RedisAdmit64InFlight(benchmark::State& state, const std::vector<Admission>* admissions) {
  const auto redis = RedisBench::start(state, admissions->front());
  if (!redis) return;
  constexpr int kInFlight = 64;
  std::uint64_t total = 0;
  for (auto _ : state) {
    std::vector<std::future<Decision>> batch;
    for (int k = 0; k < kInFlight; ++k)
      batch.push_back(redis->admit((*admissions)[(total + k) % kKeys]));
    for (auto& f : batch) benchmark::DoNotOptimize(f.get().allowed);
    total += kInFlight;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  redis->report(state, total);
}

const std::vector<Admission> kRedisRate = rate_admissions("redis-");
const std::vector<Admission> kRedisFull = full_admissions("redis-full-");

BENCHMARK_CAPTURE(BM_RedisAdmitOneAtATime, one_rate, &kRedisRate)->UseRealTime();
BENCHMARK_CAPTURE(BM_RedisAdmitOneAtATime, rates_slot_quota, &kRedisFull)->UseRealTime();
BENCHMARK_CAPTURE(BM_RedisAdmit64InFlight, one_rate, &kRedisRate)->UseRealTime();
BENCHMARK_CAPTURE(BM_RedisAdmit64InFlight, rates_slot_quota, &kRedisFull)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
