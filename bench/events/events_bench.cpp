// Events through the durable outbox to a webhook receiver: how many a second.
//
//   events_bench --url http://127.0.0.1:PORT/hooks [--events N] [--producers P]
//                [--workers W] [--in-flight M] [--sync full|normal] [--connections reuse|new]
//                [--dir DIR]
//
// Two phases, each on a fresh outbox file:
//   append    P threads append N events (one delivery row each); no deliverer runs. The
//             figure is committed (fsynced with --sync full) events per second.
//   pipeline  the deliverer runs while P threads append N events; the clock stops when
//             the outbox has recorded N deliveries. The figure is delivered webhooks per
//             second, each signed, POSTed, answered 2xx and recorded.
// bench/events/run.sh starts the receiver (tests/integration/events/receiver.mjs, which
// verifies every signature with the standardwebhooks npm package) and runs this.
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "upgate/config/environment.hpp"
#include "upgate/events/deliverer.hpp"
#include "upgate/events/outbox.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace ev = upgate::events;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string url;
  int events = 20'000;
  int producers = 8;
  std::size_t workers = 8;
  std::size_t in_flight = 16;
  bool fsync_full = true;
  bool keep_alive = true;
  std::filesystem::path dir;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "events_bench: " << why << "\n"
            << "usage: events_bench --url URL [--events N] [--producers P] [--workers W] "
               "[--in-flight M] [--sync full|normal] [--connections reuse|new] [--dir DIR]\n";
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--url")
      a.url = value;
    else if (flag == "--events")
      a.events = std::stoi(value);
    else if (flag == "--producers")
      a.producers = std::stoi(value);
    else if (flag == "--workers")
      a.workers = std::stoul(value);
    else if (flag == "--in-flight")
      a.in_flight = std::stoul(value);
    else if (flag == "--sync")
      a.fsync_full = value == "full";
    else if (flag == "--connections")
      a.keep_alive = value == "reuse";
    else if (flag == "--dir")
      a.dir = value;
    else
      usage("unknown flag " + flag);
  }
  if (a.url.empty()) usage("--url is required");
  if (a.dir.empty()) a.dir = std::filesystem::temp_directory_path();
  return a;
}

ev::Event event(int n) {
  ev::Event e;
  e.type = ev::EventType::kUploadCompleted;
  e.bucket = "uploads";
  e.key = "bench/2024/05/01/" + std::to_string(n) + "-photo.png";
  e.etag = "d41d8cd98f00b204e9800998ecf8427e";
  e.size = 48213;
  e.declared_type = "image/png";
  e.detected_type = "image/png";
  e.checksum = ev::Checksum{"sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", true};
  e.profile = "photos";
  e.principal_id = "user-" + std::to_string(n % 100);
  e.claims["org"] = "acme";
  e.metadata = {{"album", "bench"}};
  e.time = std::chrono::system_clock::now();
  return e;
}

std::unique_ptr<ev::Outbox> fresh_outbox(const Args& a, const std::string& name) {
  const auto file = a.dir / name;
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) {
    std::filesystem::remove(file.string() + suffix);
  }
  ev::OutboxOptions options;
  options.file = file;
  options.fsync_appends = a.fsync_full;
  auto outbox = ev::Outbox::open(options);
  if (!outbox) {
    std::cerr << outbox.error().message << "\n";
    std::exit(1);
  }
  return std::move(*outbox);
}

double append_all(ev::Outbox& outbox, const Args& a) {
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  const auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  const std::vector<std::string> endpoints = {"bench"};
  for (int p = 0; p < a.producers; ++p) {
    threads.emplace_back([&] {
      for (int n = next++; n < a.events; n = next++) {
        if (!outbox.append(event(n), endpoints)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (failures > 0) std::cerr << failures << " appends failed\n";
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  upgate::s3client::http_client_global_init();

  {
    auto outbox = fresh_outbox(a, "events-bench-append.db");
    const double seconds = append_all(*outbox, a);
    std::printf("append    %d events, %d producers, synchronous=%s: %.2f s, %.0f events/s\n",
                a.events, a.producers, a.fsync_full ? "FULL" : "NORMAL", seconds,
                a.events / seconds);
  }

  auto outbox = fresh_outbox(a, "events-bench-pipeline.db");
  ev::WebhookEndpointConfig config;
  config.name = "bench";
  config.url = a.url;
  config.secret_env = "BENCH_SECRET";
  config.max_in_flight = a.in_flight;
  const auto environment = upgate::config::Environment::from(
      {{"BENCH_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}});
  auto endpoint = ev::make_endpoint(config, environment);
  if (!endpoint) {
    std::cerr << endpoint.error().message << "\n";
    return 1;
  }
  ev::DelivererOptions options;
  options.workers = a.workers;
  options.keep_alive = a.keep_alive;
  ev::Deliverer deliverer(*outbox, {std::move(*endpoint)}, options);
  const auto start = SteadyClock::now();
  const double append_seconds = append_all(*outbox, a);
  // The deliverer's own count (cheap to read often), then the outbox's once it agrees.
  while (deliverer.stats().delivered < static_cast<std::uint64_t>(a.events)) {
    if (SteadyClock::now() - start > 600s) {
      std::cerr << "gave up after 600 s\n";
      return 1;
    }
    std::this_thread::sleep_for(2ms);
  }
  while (true) {
    auto m = outbox->metrics();
    if (m && m->delivered_total >= static_cast<std::uint64_t>(a.events)) break;
    std::this_thread::sleep_for(2ms);
  }
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  deliverer.stop();
  const auto stats = deliverer.stats();
  std::printf(
      "pipeline  %d events, %zu workers, %zu in flight, %s connections: appended in %.2f s, "
      "all delivered in %.2f s: %.0f webhooks/s (%llu attempts, %llu failed)\n",
      a.events, a.workers, a.in_flight, a.keep_alive ? "reused" : "new", append_seconds, seconds,
      a.events / seconds, static_cast<unsigned long long>(stats.attempts),
      static_cast<unsigned long long>(stats.failed));
  return 0;
}
