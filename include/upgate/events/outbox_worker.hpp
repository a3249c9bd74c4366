// OutboxWorker: one thread that works off one endpoint of an Outbox with code of upgate's
// own instead of a webhook POST. The outbox is the durable queue (append before
// acknowledging, leases, retries with backoff, dead letters kept, what a crash left
// redone at the next start); the worker is the consumer:
//   - `upgate serve`'s storage reports waiting for verification (reported_upload_verifier.hpp);
//   - `upgate store --notify-url`'s S3 event records (s3_record_pusher.hpp).
//
// Promises:
// - start() starts the thread; it claims up to `batch` due deliveries of `endpoint` (oldest
//   due first; one object's rows in order, as the outbox orders them) and gives them to the
//   handler together. The handler answers each one's fate in order: nullopt is done
//   (recorded as delivered), a DeliveryFailure is recorded as a failed attempt (retried by
//   the outbox's RetryPolicy, or a dead letter when permanent or past the window). It may
//   answer fewer than it was given (it was stopping): the rest are released, due again at
//   once. A handler runs on the worker's thread only, one batch at a time.
// - Between batches the thread sleeps until the outbox commits new work, the endpoint's
//   earliest retry is due, or poll_interval passes (rows replayed by another process).
// - stop() lets the batch in progress finish (a handler waits with the pause it is given, which
//   ends early when stopping), releases what it did not answer and returns after the outbox has
//   recorded everything; what is still queued stays in the file for the next start. The destructor
//   stops.
// - figures() (lock-free, no disk) is the endpoint's backlog as a second thread reads it
//   every backlog_refresh (Outbox::backlogs), so it stays fresh while a handler waits on a
//   slow store. has_room(max) is a producer's bound on that backlog: the last figure plus
//   the appends counted (counted_append) since it was read, which is never less than the
//   truth, so a producer that checks it before appending holds the backlog under `max`
//   give or take the appends racing it.
// - With prune_interval set, delivered rows past retention are pruned (where no Deliverer
//   does it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "upgate/events/outbox.hpp"

namespace upgate::events {

struct OutboxWorkerOptions {
  std::string endpoint;
  std::size_t batch = 16;
  // Long enough for one batch; a worker that dies holding it is redone at the next start,
  // one that outlives it may see a row claimed again (at-least-once).
  std::chrono::milliseconds lease{std::chrono::minutes(10)};
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds backlog_refresh{1000};
  std::optional<std::chrono::milliseconds> prune_interval;
};

using WorkOutcome = std::optional<DeliveryFailure>;  // nullopt: done

class OutboxWorker {
 public:
  // pause(d) sleeps up to `d` and returns true, or returns false as soon as stop() is
  // called (pause(0ms) only asks): a handler waits with it and stops answering when false.
  using Pause = std::function<bool(std::chrono::milliseconds)>;
  using Handler =
      std::function<std::vector<WorkOutcome>(std::span<const ClaimedDelivery>, const Pause&)>;

  struct Figures {
    std::uint64_t queued = 0;    // undelivered: pending, retrying or waiting
    std::uint64_t retrying = 0;  // of those, failed at least once
    std::uint64_t dead = 0;
    std::optional<std::chrono::system_clock::time_point> oldest_queued;
  };

  // `outbox` must outlive the worker. Reads the backlog once, so figures() and has_room()
  // are right before start().
  OutboxWorker(Outbox& outbox, OutboxWorkerOptions options, Handler handler);
  ~OutboxWorker();
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  void start();  // once; later calls do nothing
  void stop();   // idempotent
  bool stopping() const;

  Figures figures() const;
  bool has_room(std::size_t max) const;
  void counted_append();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace upgate::events
