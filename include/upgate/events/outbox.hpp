// Outbox: the durable queue between "an event happened" and "the app was told", in one
// SQLite file (WAL).
//
// Contract for the API (producers):
// - append(event, endpoints) returns after the event and one delivery row per endpoint are
//   committed and fsynced (synchronous=FULL for these commits): acknowledge the client,
//   or the storage notification, only after it returns. Concurrent appends are
//   group-committed (one transaction and one fsync for every append waiting at that
//   moment), so throughput grows with concurrency instead of being one fsync per event.
//   append_async() is the same with a callback, run on the outbox's writer thread after
//   the commit (post it to your own executor; never block in it), for callers that must
//   not block (the API's I/O threads).
// - Deduplication: an event whose dedup_key() was appended before (and not yet pruned)
//   is not appended again; the result says `duplicate` and carries the first one's id. An
//   event with an empty dedup_key() is refused (kInvalid).
// - `endpoints` are names (WebhookEndpoint::name, see subscribers()); an event for no
//   endpoint is still recorded, for deduplication.
// - append(OutboxRecord, endpoints) is the same for a payload that is not a webhook body:
//   work of upgate's own, queued for an endpoint that no deliverer serves and an
//   OutboxWorker consumes (outbox_worker.hpp: storage reports waiting for verification,
//   the standalone store's S3 records). The caller gives the dedup key (the row's id is
//   event_id_for(key)), the payload, and the bucket and key that order it (ordering_key)
//   and that `webhooks list` shows.
// - append_all(appends) is append() for several rows in one transaction and one fsync (a
//   POST of storage records commits its records together): every row is committed, or
//   none (the error: the first invalid row's, or the transaction's). A row whose dedup key
//   came earlier in the same call is a duplicate of it.
//
// Contract for the deliverer and OutboxWorker (nothing else needs these):
// - claim(endpoint, n, lease) leases up to n due deliveries, oldest due first. A lease
//   hides the delivery until it expires; a process that dies mid-delivery leaves leases
//   that an owner clears when it opens the file, so the delivery is retried at once
//   (at-least-once; the webhook-id stays the event id). A delivery released or cleared so
//   before any attempt keeps its place: it is due since it was queued, ahead of later ones.
// - Ordering per object per endpoint: a delivery whose endpoint has an earlier,
//   undelivered delivery for the same ordering_key() (bucket + key) waits and is not
//   claimable until that one is delivered or dead.
// - record_success / record_failure / release are asynchronous and batched (they commit
//   with synchronous=NORMAL: losing the last of them to a power cut only redelivers). As
//   nobody waits for them, the writer lets them wait up to OutboxOptions::linger for
//   others to share their transaction, unless a caller that waits (an append, a claim,
//   flush()) comes first: a few transactions a second instead of one per delivery.
//   A failure schedules the next attempt by the RetryPolicy (full jitter, Retry-After as
//   a lower bound) or, past the window or on a permanent failure (HTTP 410), makes the
//   delivery a dead letter. A stale report (the lease expired and was claimed again) of a
//   failure is ignored; a stale success still counts.
//
// Contract for the CLI (`upgate webhooks list|replay`): open with Role::kAdmin while
// `upgate serve` owns the file (no lock, leases untouched). list() pages newest first;
// replay(event id) makes every delivery of that event (or the one for `endpoint`) due
// now with a fresh attempt count and retry window, whatever its state, except deliveries
// still waiting behind an earlier one; the running deliverer finds it within its poll
// interval.
//
// Retention: delivered deliveries are pruned `delivered_retention` after delivery (default
// 24 h), and an event once none of its deliveries remain and it is that old; dead letters
// are kept until replayed. Deduplication therefore covers the retention period.
//
// Errors: SQLite failures become OutboxError values (never exceptions); a failed batch
// is retried one operation per transaction so one bad operation fails alone.
// Thread-safe. The destructor commits everything queued before it returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/events/event.hpp"
#include "upgate/events/retry_policy.hpp"
#include "upgate/expected.hpp"

namespace upgate::events {

using Clock = std::function<std::chrono::system_clock::time_point()>;

// kFull: refused by a producer's own bound on what waits (OutboxWorker::has_room), never
// by the outbox itself.
enum class OutboxErrc : std::uint8_t { kInvalid, kInUse, kStorage, kNotFound, kClosed, kFull };

struct OutboxError {
  OutboxErrc code = OutboxErrc::kStorage;
  std::string message;
};

struct OutboxOptions {
  enum class Role : std::uint8_t {
    kOwner,  // the one process that delivers: locks the file, clears stale leases
    kAdmin,  // the CLI beside a running owner
  };
  std::filesystem::path file;
  Role role = Role::kOwner;
  RetryPolicy retry;
  std::chrono::milliseconds delivered_retention{24LL * 3'600'000};
  bool fsync_appends = true;     // synchronous=FULL for appends; false: NORMAL (see the docs)
  std::size_t max_batch = 1024;  // operations per transaction
  // How long results (record_success, record_failure, release) wait for company, see above.
  std::chrono::milliseconds linger{5};
  Clock clock;                     // default: the system clock
  std::function<double()> random;  // uniform [0, 1) for the jitter; default: a PRNG
};

// A row that is not an Event (see append(OutboxRecord, ...) above).
struct OutboxRecord {
  std::string dedup_key;  // non-empty; unique while retained
  EventType type = EventType::kUploadCompleted;
  std::string bucket;
  std::string key;
  std::string payload;
};

// One row of append_all(): what to record, and the endpoints that get a delivery of it.
struct OutboxAppend {
  OutboxRecord record;
  std::vector<std::string> endpoints;
};

// An Event as the outbox keeps it: its dedup key (empty when it has none, and then no
// payload), type, bucket, key, and render_json() as the payload.
OutboxRecord outbox_record(const Event& event);

struct AppendResult {
  std::string event_id;
  bool duplicate = false;
  std::size_t deliveries = 0;  // rows created (0 for a duplicate)
};

struct ClaimedDelivery {
  std::int64_t event_seq = 0;
  std::string endpoint;
  std::string event_id;
  std::string payload;  // the exact body to send and sign
  int attempts = 0;     // attempts made before this one
  std::int64_t lease = 0;
};

struct DeliveryFailure {
  int http_status = 0;  // 0: no HTTP answer
  std::string message;  // one printable line
  std::chrono::milliseconds retry_after{0};
  bool permanent = false;  // dead letter now (410 Gone)
};

enum class DeliveryState : std::uint8_t { kPending, kWaiting, kDelivered, kDead };
std::string_view to_string(DeliveryState state);  // "pending", "waiting", "delivered", "dead"

struct DeliveryRecord {
  std::int64_t event_seq = 0;
  std::string event_id;
  EventType type = EventType::kUploadCompleted;
  std::string bucket;
  std::string key;
  std::string endpoint;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  int last_status = 0;
  std::string last_error;
  std::chrono::system_clock::time_point created;
  std::chrono::system_clock::time_point next_attempt;             // pending only
  std::optional<std::chrono::system_clock::time_point> finished;  // delivered or dead
};

struct ListQuery {
  enum class Filter : std::uint8_t {
    kAll,
    kUndelivered,  // pending or waiting
    kFailed,       // the last attempt failed: retrying (pending, attempts > 0) or dead
    kDead,
  };
  Filter filter = Filter::kAll;
  std::size_t limit = 100;
  std::optional<std::int64_t> before_seq;  // page: rows with a smaller event_seq
  std::optional<std::string> endpoint;
  // false: leave out upgate's own queues (endpoints named "upgate:...", such as the storage
  // reports waiting for verification), unless `endpoint` names one.
  bool internal = true;
};

struct OutboxMetrics {
  std::uint64_t queued = 0;                 // undelivered: pending or waiting
  std::uint64_t retrying = 0;               // pending after at least one failed attempt
  std::uint64_t dead = 0;                   // dead letters kept
  std::uint64_t delivered_total = 0;        // since the file was created
  std::uint64_t failed_attempts_total = 0;  // since the file was created
  std::optional<std::chrono::milliseconds> oldest_undelivered_age;
};

// One endpoint's share of the outbox, for the deliverer's gauges (Deliverer::figures()).
struct EndpointBacklog {
  std::string endpoint;
  std::uint64_t queued = 0;  // undelivered: pending (retrying included) or waiting
  std::uint64_t dead = 0;    // dead letters kept
  // Of `queued`: pending deliveries that failed at least once and wait for their retry.
  std::uint64_t retrying = 0;
  // When the event of the oldest undelivered delivery was recorded; nullopt if none.
  std::optional<std::chrono::system_clock::time_point> oldest_queued;
};

class Outbox {
 public:
  static Expected<std::unique_ptr<Outbox>, OutboxError> open(OutboxOptions options);
  // open() as the file's owner with `retry` and the other options' defaults: what a
  // process that works the outbox off opens (serve's EventPipeline, the standalone store's
  // S3RecordPusher).
  static Expected<std::unique_ptr<Outbox>, OutboxError> open_owner(std::filesystem::path file,
                                                                   RetryPolicy retry);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  Expected<AppendResult, OutboxError> append(const Event& event,
                                             std::span<const std::string> endpoints);
  void append_async(const Event& event, std::vector<std::string> endpoints,
                    std::function<void(Expected<AppendResult, OutboxError>)> done);
  Expected<AppendResult, OutboxError> append(const OutboxRecord& record,
                                             std::span<const std::string> endpoints);
  // Results in the order of `appends`.
  Expected<std::vector<AppendResult>, OutboxError> append_all(
      std::span<const OutboxAppend> appends);
  // Whether a row with this dedup key is recorded (and not yet pruned): what append()
  // would call a duplicate. Reads the file (committed rows only): not on an I/O thread.
  Expected<bool, OutboxError> recorded(std::string_view dedup_key);

  Expected<std::vector<ClaimedDelivery>, OutboxError> claim(std::string_view endpoint,
                                                            std::size_t max,
                                                            std::chrono::milliseconds lease);
  void record_success(const ClaimedDelivery& delivery, int http_status);
  void record_failure(const ClaimedDelivery& delivery, DeliveryFailure failure);
  void release(const ClaimedDelivery& delivery);
  // Waits until everything queued so far is committed.
  Expected<void, OutboxError> flush();

  // When the endpoint's earliest pending delivery is due (now or later); nullopt if none.
  // A delivery held under a lease is pending and due when the lease expires: a claim
  // finds something only when this is not after now().
  Expected<std::optional<std::chrono::system_clock::time_point>, OutboxError> next_due(
      std::string_view endpoint);
  // The outbox's clock (OutboxOptions::clock, or the system's).
  std::chrono::system_clock::time_point now() const;
  // Counts commits that made deliveries claimable; wait_for_work() returns when it
  // passes `seen` or at `deadline`.
  std::uint64_t work_generation() const;
  void wait_for_work(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) const;
  // Makes every wait_for_work() return now (a deliverer that is stopping).
  void wake_waiters();

  Expected<std::vector<DeliveryRecord>, OutboxError> list(const ListQuery& query);
  Expected<std::size_t, OutboxError> replay(std::string_view event_id,
                                            const std::optional<std::string>& endpoint = {});
  Expected<OutboxMetrics, OutboxError> metrics();
  // Every endpoint with undelivered or dead deliveries, by name, from one read snapshot.
  // Reads the undelivered and dead rows' indexes (not the delivered ones): cost grows with
  // the backlog, not with the history. Blocks on disk: never call it on an I/O thread.
  Expected<std::vector<EndpointBacklog>, OutboxError> backlogs();
  // Deletes what retention allows, at most `max_rows` deliveries per call; returns how many.
  Expected<std::size_t, OutboxError> prune(std::size_t max_rows = 10'000);

  struct State;

 private:
  explicit Outbox(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace upgate::events
