// Deliverer: background threads that take due deliveries from the Outbox and POST them to
// their endpoints, signed as Standard Webhooks (webhook_signature.hpp).
//
// Promises:
// - Its threads are its own (one dispatcher, `workers` HTTP threads), never the API's I/O
//   threads; nothing it does blocks a caller except stop(). Call
//   s3client::http_client_global_init() once, before constructing it.
// - Each request: POST <url>, Content-Type: application/json, webhook-id (the event id,
//   the same on every retry), webhook-timestamp (this attempt's time), webhook-signature
//   (one v1 signature per secret of the endpoint), the body exactly as the outbox holds
//   it. Connect timeout min(10 s, the endpoint's timeout), the endpoint's timeout for the
//   whole request, 4 KiB of the answer kept, redirects never followed, TLS peers verified.
// - 2xx is delivered. 410 Gone is a dead letter at once (the receiver said stop). Any other
//   answer, a timeout or a connection failure is retried by the outbox's RetryPolicy; a
//   Retry-After (seconds or an HTTP date) is honoured as a lower bound. The delivery
//   keeps the status and a printable line (the start of the answer) for `webhooks list`.
// - At most max_in_flight requests per endpoint at a time. Up to twice that many deliveries
//   are claimed (leased) ahead, so a worker that finishes one finds the next at hand.
//   Ordering per object per endpoint comes from the outbox (a later event is not claimable
//   while an earlier one for the same object is undelivered).
// - A claimed delivery is leased for twice the endpoint's timeout plus 30 s, so a request
//   that outlives its lease may be sent twice (at-least-once), never lost.
// - stop(grace) stops claiming, releases claimed deliveries no worker started (due again
//   at once, for the next start), lets requests in progress finish for up to `grace`,
//   then cancels them (their leases stay; the next owner's open clears them) and returns
//   after everything is recorded in the outbox. The destructor calls stop(0).
// - Delivered rows past retention are pruned in the background every prune_interval.
// - figures() (per endpoint, for GET /metrics) never touches SQLite and takes no lock: the
//   workers count deliveries and failed attempts in atomics as they report them, and the
//   dispatcher thread reads the outbox's backlog (Outbox::backlogs) every backlog_refresh
//   into atomics. So queued, dead and the oldest queued event are up to backlog_refresh
//   old (they include what another process changed, such as `upgate webhooks replay`).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "upgate/events/outbox.hpp"
#include "upgate/events/webhook_endpoint.hpp"

namespace upgate::events {

struct DelivererOptions {
  std::size_t workers = 8;
  std::chrono::milliseconds poll_interval{1000};  // finds rows replayed by another process
  std::chrono::milliseconds prune_interval{60'000};
  std::chrono::milliseconds backlog_refresh{1000};  // how stale figures()'s backlog may be
  std::string ca_file;  // PEM bundle for https endpoints; empty: the system's
  // Reuse one connection per worker (keep-alive). false: one connection per request, through
  // s3client::perform(); kept for the benchmark's comparison.
  bool keep_alive = true;
  Clock clock;  // for webhook-timestamp; default: the system clock
};

struct DelivererStats {
  std::uint64_t attempts = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
};

// One endpoint's figures. delivered and failed count since this deliverer started (2xx
// answers; failed attempts: any other answer, a timeout, no connection); the rest is the
// outbox's backlog as of the last refresh.
struct EndpointFigures {
  std::string endpoint;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::uint64_t queued = 0;
  std::uint64_t retrying = 0;  // of queued: failed at least once, waiting for a retry
  std::uint64_t dead = 0;
  std::optional<std::chrono::system_clock::time_point> oldest_queued;
};

class Deliverer {
 public:
  // `outbox` must outlive the deliverer. Starts its threads.
  Deliverer(Outbox& outbox, std::vector<WebhookEndpoint> endpoints, DelivererOptions options = {});
  ~Deliverer();
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0));
  DelivererStats stats() const;
  // In the order the endpoints were given. Lock-free: safe on an I/O thread.
  std::vector<EndpointFigures> figures() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace upgate::events
