// S3RecordPusher: the standalone store's notifications (`upgate store --notify-url URL`):
// each change the store reports is POSTed to one HTTP endpoint as S3 event record JSON
// (store_notifications.hpp), as Ceph RGW's push endpoint and MinIO's webhook target do, so
// `upgate serve`'s POST /v1/events/s3 (or any S3-event consumer) hears of it.
//
// Promises:
// - notify() never blocks the store: it queues the change (at most max_queue; beyond, the
//   change is dropped and counted, and `log` says so once per burst).
// - One background thread sends what is queued, up to max_batch records per POST, in the
//   order the store reported them. 2xx is done. 429, 5xx, a timeout or a connection failure
//   is retried (the same batch, RetryPolicy's full-jitter backoff) until it succeeds or the
//   pusher stops; any other status drops the batch (the receiver refused it; retrying
//   cannot help) and is logged with the status.
// - Delivery is in memory: at least once while the process runs, and what is queued when
//   the process dies is lost. The durable path is `upgate serve`, whose store writes its
//   events to the SQLite outbox before answering (docs/EVENTS.md).
// - stop(grace) sends what is queued for up to `grace`, then returns; the destructor calls
//   stop(0). Log lines name the URL's scheme and host only (a secret may be in its path).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "upgate/events/retry_policy.hpp"
#include "upgate/store/object_change.hpp"

namespace upgate::events {

struct S3RecordPusherOptions {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. a secret header
  std::string region = "us-east-1";
  std::size_t max_queue = 100'000;
  std::size_t max_batch = 100;
  RetryPolicy retry{std::chrono::milliseconds(500), std::chrono::milliseconds(30'000),
                    std::chrono::milliseconds(24LL * 3'600'000)};
  std::chrono::seconds timeout{10};
  std::string ca_file;
  std::function<void(std::string_view)> log;  // warnings; default: none
};

struct S3RecordPusherStats {
  std::uint64_t sent = 0;      // records the endpoint accepted
  std::uint64_t refused = 0;   // records in batches it refused (4xx)
  std::uint64_t dropped = 0;   // records the full queue could not take
  std::uint64_t attempts = 0;  // POSTs made
};

class S3RecordPusher {
 public:
  // Call s3client::http_client_global_init() once before. Starts its thread.
  explicit S3RecordPusher(S3RecordPusherOptions options);
  ~S3RecordPusher();
  S3RecordPusher(const S3RecordPusher&) = delete;
  S3RecordPusher& operator=(const S3RecordPusher&) = delete;

  void notify(const store::ObjectChange& change);
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0));
  S3RecordPusherStats stats() const;

  // "https://host:port" of a URL, for log lines.
  static std::string printable_origin(std::string_view url);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace upgate::events
