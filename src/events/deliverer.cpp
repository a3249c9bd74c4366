#include "upgate/events/deliverer.hpp"

#include <pthread.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "keep_alive_client.hpp"
#include "upgate/s3/dates.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/text.hpp"

namespace upgate::events {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kKeptAnswerBytes = 4096;

// An endpoint's claimed deliveries: `ready` ones wait for a worker, `active` ones are being
// sent. The dispatcher keeps up to twice max_in_flight claimed, so a worker that finishes
// finds the next delivery at hand instead of waiting for a claim to commit.
struct EndpointSlot {
  WebhookEndpoint endpoint;
  std::chrono::milliseconds lease{};
  std::deque<ClaimedDelivery> ready;  // guarded by State::mutex, as is `active`
  std::size_t active = 0;

  // figures(): counted by the workers, and the backlog as the dispatcher last read it.
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> queued{0};
  std::atomic<std::uint64_t> retrying{0};
  std::atomic<std::uint64_t> dead{0};
  std::atomic<std::int64_t> oldest_queued_ms{kNoneQueued};
  static constexpr std::int64_t kNoneQueued = std::numeric_limits<std::int64_t>::min();

  std::size_t claimed() const { return ready.size() + active; }
  std::size_t wanted() const { return endpoint.max_in_flight * 2; }
  std::size_t refill() const { return std::max<std::size_t>(endpoint.max_in_flight, 1); }
};

struct Job {
  EndpointSlot* slot = nullptr;
  ClaimedDelivery delivery;
};

// Retry-After: delay-seconds or an HTTP-date (RFC 9110 10.2.3); zero when absent or bad.
std::chrono::milliseconds retry_after(const std::string& value,
                                      std::chrono::system_clock::time_point now) {
  if (value.empty()) return {};
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) {
    return std::chrono::seconds(std::min<std::int64_t>(seconds, 86'400 * 7));
  }
  if (auto date = s3::parse_http_date(value)) {
    const auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(*date - now);
    return std::max(delta, std::chrono::milliseconds(0));
  }
  return {};
}

}  // namespace

struct Deliverer::State {
  Outbox& outbox;
  DelivererOptions options;
  std::vector<std::unique_ptr<EndpointSlot>> slots;

  std::mutex mutex;
  std::condition_variable jobs_cv;
  std::size_t next_slot = 0;                      // the endpoint a free worker looks at first
  bool stopping = false;                          // no more claims; workers finish what they hold
  std::vector<detail::KeepAliveClient*> clients;  // for cancel() at shutdown
  std::thread dispatcher;
  std::vector<std::thread> workers;
  bool stopped = false;

  std::atomic<std::uint64_t> attempts{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};

  State(Outbox& o, DelivererOptions opts) : outbox(o), options(std::move(opts)) {}

  std::chrono::system_clock::time_point now() const {
    return options.clock ? options.clock() : std::chrono::system_clock::now();
  }

  // The outbox's backlog into the slots' atomics; on a failing outbox the last figures stay.
  void refresh_backlog() {
    auto backlogs = outbox.backlogs();
    if (!backlogs) return;
    for (auto& slot : slots) {
      EndpointBacklog found;
      for (EndpointBacklog& b : *backlogs) {
        if (b.endpoint == slot->endpoint.name) found = std::move(b);
      }
      slot->queued.store(found.queued, std::memory_order_relaxed);
      slot->retrying.store(found.retrying, std::memory_order_relaxed);
      slot->dead.store(found.dead, std::memory_order_relaxed);
      slot->oldest_queued_ms.store(found.oldest_queued
                                       ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                             found.oldest_queued->time_since_epoch())
                                             .count()
                                       : EndpointSlot::kNoneQueued,
                                   std::memory_order_relaxed);
    }
  }

  // Whether a claim would find a delivery due: next_due() at or before the outbox's clock.
  bool due_now(const std::optional<std::chrono::system_clock::time_point>& due) const {
    return due && *due <= outbox.now();
  }

  // Sleep no longer than until this endpoint's next delivery (a retry, a lease that
  // expires) is due.
  void sleep_until_due(const std::optional<std::chrono::system_clock::time_point>& due,
                       SteadyClock::time_point& wake_at) const {
    if (!due) return;
    const auto wait = *due - now();
    const auto at = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(std::max(
                                             wait, std::chrono::system_clock::duration::zero()));
    wake_at = std::min(wake_at, at + std::chrono::milliseconds(1));
  }

  void dispatch_loop() {
    pthread_setname_np(pthread_self(), "upgate-dispatch");
    auto next_prune = SteadyClock::now() + options.prune_interval;
    auto next_refresh = SteadyClock::now();
    while (true) {
      const std::uint64_t seen = outbox.work_generation();
      if (SteadyClock::now() >= next_refresh) {
        refresh_backlog();
        next_refresh = SteadyClock::now() + options.backlog_refresh;
      }
      auto wake_at = std::min(SteadyClock::now() + options.poll_interval, next_refresh);
      for (auto& slot_ptr : slots) {
        EndpointSlot& slot = *slot_ptr;
        std::size_t room = 0;
        std::size_t held = 0;
        {
          std::lock_guard lock(mutex);
          if (stopping) return;
          held = slot.claimed();
          room = slot.wanted() - std::min(held, slot.wanted());
        }
        // A claim is a write transaction: refill in batches, once at most max_in_flight
        // are held (the ready ones still cover the workers until it commits), not after
        // every delivery; and not at all when nothing is due (a read): the deliveries
        // held keep theirs pending until their lease, so "pending" is not "due".
        if (room == 0 || (held > 0 && room < slot.refill())) continue;
        if (auto due = outbox.next_due(slot.endpoint.name); due && !due_now(*due)) {
          sleep_until_due(*due, wake_at);
          continue;
        }
        auto claimed = outbox.claim(slot.endpoint.name, room, slot.lease);
        if (!claimed) continue;  // the outbox is failing; the poll tries again
        if (!claimed->empty()) {
          std::lock_guard lock(mutex);
          for (ClaimedDelivery& d : *claimed) slot.ready.push_back(std::move(d));
        }
        for (std::size_t i = 0; i < claimed->size(); ++i) jobs_cv.notify_one();
        if (claimed->size() < room) {
          if (auto due = outbox.next_due(slot.endpoint.name); due) sleep_until_due(*due, wake_at);
        }
      }
      if (SteadyClock::now() >= next_prune) {
        (void)outbox.prune();
        next_prune = SteadyClock::now() + options.prune_interval;
      }
      outbox.wait_for_work(seen, wake_at);
    }
  }

  // A ready delivery of an endpoint below its limit, taking turns between endpoints.
  // Called with `mutex` held.
  std::optional<Job> next_job() {
    for (std::size_t i = 0; i < slots.size(); ++i) {
      EndpointSlot& slot = *slots[(next_slot + i) % slots.size()];
      if (slot.ready.empty() || slot.active >= slot.endpoint.max_in_flight) continue;
      next_slot = (next_slot + i + 1) % slots.size();
      ++slot.active;
      Job job{&slot, std::move(slot.ready.front())};
      slot.ready.pop_front();
      return job;
    }
    return std::nullopt;
  }

  s3client::HttpRequest build_request(const WebhookEndpoint& endpoint, const ClaimedDelivery& d) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
    WebhookHeaders signed_headers = sign_webhook(endpoint.secrets, d.event_id, seconds, d.payload);
    s3client::HttpRequest request;
    request.method = "POST";
    request.url = endpoint.url;
    request.headers = {{"Content-Type", "application/json"},
                       {"webhook-id", std::move(signed_headers.id)},
                       {"webhook-timestamp", std::move(signed_headers.timestamp)},
                       {"webhook-signature", std::move(signed_headers.signature)}};
    request.body = d.payload;
    request.connect_timeout = std::min(endpoint.timeout, std::chrono::seconds(10));
    request.stall_timeout = endpoint.timeout;
    request.total_timeout = endpoint.timeout;
    request.max_response_body = kKeptAnswerBytes;
    request.ca_file = options.ca_file;
    return request;
  }

  void report(const Job& job,
              const Expected<s3client::HttpResponse, s3client::TransportError>& answer) {
    ++attempts;
    finish(job);
    if (answer && answer->status >= 200 && answer->status < 300) {
      ++delivered;
      job.slot->delivered.fetch_add(1, std::memory_order_relaxed);
      outbox.record_success(job.delivery, static_cast<int>(answer->status));
      return;
    }
    ++failed;
    job.slot->failed.fetch_add(1, std::memory_order_relaxed);
    DeliveryFailure failure;
    if (answer) {
      failure.http_status = static_cast<int>(answer->status);
      failure.message = "HTTP " + std::to_string(answer->status);
      if (!answer->body.empty()) {
        failure.message += ": " + s3client::printable(answer->body, 200);
      }
      failure.permanent = answer->status == 410;
      failure.retry_after = retry_after(answer->header("retry-after"), now());
    } else {
      failure.message = s3client::printable(answer.error().message, 300);
    }
    outbox.record_failure(job.delivery, std::move(failure));
  }

  // The request is over: the endpoint may start another. The worker that finished takes
  // the next job itself; another is woken only when this endpoint was at its limit with
  // jobs ready (in case the finisher takes another endpoint's): a wake per delivery would
  // rouse every idle worker, a thousand times a second, for nothing.
  // The dispatcher is woken when the endpoint's claimed deliveries fall to the refill mark
  // (it refills in batches, see dispatch_loop).
  void finish(const Job& job) {
    bool more = false;
    bool refill = false;
    {
      std::lock_guard lock(mutex);
      EndpointSlot& slot = *job.slot;
      more = slot.active == slot.endpoint.max_in_flight && !slot.ready.empty();
      --slot.active;
      refill = slot.claimed() == slot.refill();
    }
    if (more) jobs_cv.notify_one();
    if (refill) outbox.wake_waiters();
  }

  void work_loop() {
    pthread_setname_np(pthread_self(), "upgate-hook");
    detail::KeepAliveClient client;
    {
      std::lock_guard lock(mutex);
      clients.push_back(&client);
    }
    while (true) {
      Job job;
      {
        std::unique_lock lock(mutex);
        std::optional<Job> next;
        jobs_cv.wait(lock, [&] { return stopping || (next = next_job()).has_value(); });
        if (stopping) {
          if (next) {  // taken just now: back to the ready queue, released by stop()
            --next->slot->active;
            next->slot->ready.push_front(std::move(next->delivery));
          }
          break;
        }
        job = std::move(*next);
      }
      const s3client::HttpRequest request = build_request(job.slot->endpoint, job.delivery);
      auto answer = options.keep_alive ? client.post(request) : s3client::perform(request);
      if (!answer && answer.error().cancelled) {
        finish(job);  // interrupted by stop(): the lease stays, the next owner resends
        continue;
      }
      report(job, answer);
    }
    std::lock_guard lock(mutex);
    std::erase(clients, &client);
  }
};

Deliverer::Deliverer(Outbox& outbox, std::vector<WebhookEndpoint> endpoints,
                     DelivererOptions options)
    : state_(std::make_unique<State>(outbox, std::move(options))) {
  for (WebhookEndpoint& endpoint : endpoints) {
    auto slot = std::make_unique<EndpointSlot>();
    slot->lease = std::chrono::duration_cast<std::chrono::milliseconds>(endpoint.timeout * 2) +
                  std::chrono::seconds(30);
    slot->endpoint = std::move(endpoint);
    state_->slots.push_back(std::move(slot));
  }
  const std::size_t workers = std::max<std::size_t>(state_->options.workers, 1);
  State* state = state_.get();
  for (std::size_t i = 0; i < workers; ++i) {
    state_->workers.emplace_back([state] { state->work_loop(); });
  }
  state_->dispatcher = std::thread([state] { state->dispatch_loop(); });
}

Deliverer::~Deliverer() {
  stop();
}

void Deliverer::stop(std::chrono::milliseconds grace) {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    if (s.stopped) return;
    s.stopped = true;
    s.stopping = true;
  }
  s.jobs_cv.notify_all();
  s.outbox.wake_waiters();
  if (s.dispatcher.joinable()) s.dispatcher.join();

  // Requests in progress get `grace` to finish, then are cancelled.
  const auto deadline = SteadyClock::now() + grace;
  std::vector<std::thread> workers = std::move(s.workers);
  std::thread canceller([&s, deadline] {
    std::unique_lock lock(s.mutex);
    while (!s.clients.empty()) {
      if (SteadyClock::now() >= deadline) {
        for (auto* client : s.clients) client->cancel();
      }
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      lock.lock();
    }
  });
  for (auto& worker : workers) worker.join();
  canceller.join();
  // Claimed deliveries no worker started are due again at once, for the next start.
  for (auto& slot : s.slots) {
    for (const ClaimedDelivery& d : slot->ready) s.outbox.release(d);
    slot->ready.clear();
  }
  (void)s.outbox.flush();
}

DelivererStats Deliverer::stats() const {
  return DelivererStats{state_->attempts.load(), state_->delivered.load(), state_->failed.load()};
}

std::vector<EndpointFigures> Deliverer::figures() const {
  std::vector<EndpointFigures> out;
  out.reserve(state_->slots.size());
  for (const auto& slot : state_->slots) {
    EndpointFigures f;
    f.endpoint = slot->endpoint.name;
    f.delivered = slot->delivered.load(std::memory_order_relaxed);
    f.failed = slot->failed.load(std::memory_order_relaxed);
    f.queued = slot->queued.load(std::memory_order_relaxed);
    f.retrying = slot->retrying.load(std::memory_order_relaxed);
    f.dead = slot->dead.load(std::memory_order_relaxed);
    const std::int64_t oldest = slot->oldest_queued_ms.load(std::memory_order_relaxed);
    if (oldest != EndpointSlot::kNoneQueued) {
      f.oldest_queued = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::milliseconds(oldest)));
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace upgate::events
