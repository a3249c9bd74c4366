// S3RecordPusher: the standalone store's notifications (`upgate store --notify-url URL`):
// each change the store reports is POSTed to one HTTP endpoint as S3 event record JSON
// (store_notifications.hpp), as Ceph RGW's push endpoint and MinIO's webhook target do, so
// `upgate serve`'s POST /v1/events/s3 (or any S3-event consumer) hears of it.
//
// Promises:
// - Durable, at least once. notify() returns after the change's record is committed to a
//   SQLite outbox of its own (the events Outbox, under the endpoint kNotifyEndpoint; in
//   `upgate store`, <data dir>/notify.db), so the store answers its client only after the
//   record is on disk, and a record survives kill -9 and a receiver that is down: it is
//   sent after the restart. It blocks on that commit (group-committed with the other
//   writers): call it from the store's worker threads, as the store's listener is.
// - Bounded: beyond max_queue records waiting, a change is dropped and counted, and `log`
//   says so once per burst (the outbox's backlog, OutboxWorker::has_room).
// - One background thread (events::OutboxWorker) sends what waits, up to max_batch records
//   per POST, oldest first, in the order the store committed them. 2xx is done. 429, 5xx,
//   a timeout or a connection failure is retried (the same batch, in order, RetryPolicy's
//   full-jitter backoff) until it succeeds or `retry.window` has passed since its first
//   failure; any other status refuses the batch (the receiver refused it; retrying cannot
//   help) and is logged with the status. Refused and expired records are dead letters
//   kept in the outbox (`upgate webhooks list --dead --all --outbox FILE`, `replay`).
// - A record being sent when the process dies is sent again at the next start (the
//   receiver may see it twice: S3 records carry a sequencer to tell).
// - stop() lets the POST in progress finish (its timeout bounds it) and returns; what
//   waits stays in the outbox for the next start. The destructor stops. Log lines name
//   the URL's scheme and host only (a secret may be in its path).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "upgate/events/outbox.hpp"
#include "upgate/events/retry_policy.hpp"
#include "upgate/expected.hpp"
#include "upgate/store/object_change.hpp"

namespace upgate::events {

inline constexpr std::string_view kNotifyEndpoint = "upgate:notify-url";

struct S3RecordPusherOptions {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. a secret header
  std::string region = "us-east-1";
  std::filesystem::path outbox;  // the SQLite file; opened as its owner (one process)
  std::size_t max_queue = 1'000'000;
  std::size_t max_batch = 100;
  RetryPolicy retry{std::chrono::milliseconds(500), std::chrono::milliseconds(30'000),
                    std::chrono::milliseconds(24LL * 3'600'000)};
  std::chrono::seconds timeout{10};
  std::string ca_file;
  std::function<void(std::string_view)> log;  // warnings; default: none
};

struct S3RecordPusherStats {
  std::uint64_t sent = 0;      // records the endpoint accepted
  std::uint64_t refused = 0;   // records in batches it refused (4xx) or that ran out of time
  std::uint64_t dropped = 0;   // records the full outbox (max_queue) or a failing one lost
  std::uint64_t attempts = 0;  // POSTs made
};

class S3RecordPusher {
 public:
  // Opens the outbox (another process holding it: an error) and starts sending what it
  // holds. Call s3client::http_client_global_init() once before.
  static Expected<std::unique_ptr<S3RecordPusher>, OutboxError> start(
      S3RecordPusherOptions options);
  ~S3RecordPusher();
  S3RecordPusher(const S3RecordPusher&) = delete;
  S3RecordPusher& operator=(const S3RecordPusher&) = delete;

  void notify(const store::ObjectChange& change);
  void stop();
  S3RecordPusherStats stats() const;

  // "https://host:port" of a URL, for log lines.
  static std::string printable_origin(std::string_view url);

  struct State;

 private:
  S3RecordPusher() = default;
  std::unique_ptr<State> state_;
};

}  // namespace upgate::events
