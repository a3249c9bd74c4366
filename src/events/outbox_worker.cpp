#include "upgate/events/outbox_worker.hpp"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>

namespace upgate::events {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::int64_t kNoneQueued = std::numeric_limits<std::int64_t>::min();

}  // namespace

struct OutboxWorker::State {
  Outbox& outbox;
  OutboxWorkerOptions options;
  Handler handler;

  std::mutex mutex;
  std::condition_variable stop_cv;
  bool started = false;
  std::atomic<bool> stop_requested{false};
  std::thread worker;
  std::thread refresher;

  std::atomic<std::uint64_t> queued{0};
  std::atomic<std::uint64_t> retrying{0};
  std::atomic<std::uint64_t> dead{0};
  std::atomic<std::int64_t> oldest_ms{kNoneQueued};
  std::atomic<std::uint64_t> appended_since_refresh{0};

  State(Outbox& o, OutboxWorkerOptions opts, Handler h)
      : outbox(o), options(std::move(opts)), handler(std::move(h)) {}

  // Sleeps up to `delay`; false when stopped.
  bool pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    if (delay <= std::chrono::milliseconds(0)) return !stop_requested.load();
    return !stop_cv.wait_for(lock, delay, [this] { return stop_requested.load(); });
  }

  void refresh() {
    // Zeroed before the read: an append counted after this point and committed before the
    // snapshot is counted twice, never none (has_room errs on the safe side).
    appended_since_refresh.store(0);
    auto backlogs = outbox.backlogs();
    if (!backlogs) return;
    EndpointBacklog found;
    for (EndpointBacklog& b : *backlogs) {
      if (b.endpoint == options.endpoint) found = std::move(b);
    }
    queued.store(found.queued);
    retrying.store(found.retrying);
    dead.store(found.dead);
    oldest_ms.store(found.oldest_queued ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                              found.oldest_queued->time_since_epoch())
                                              .count()
                                        : kNoneQueued);
  }

  void refresh_loop() {
    pthread_setname_np(pthread_self(), "upgate-backlog");
    do {
      refresh();
    } while (pause(options.backlog_refresh));
  }

  void work_loop() {
    pthread_setname_np(pthread_self(), "upgate-queue");
    const Pause pause_for = [this](std::chrono::milliseconds delay) { return pause(delay); };
    auto next_prune = SteadyClock::now();
    while (!stop_requested.load()) {
      const std::uint64_t seen = outbox.work_generation();
      if (options.prune_interval && SteadyClock::now() >= next_prune) {
        (void)outbox.prune();
        next_prune = SteadyClock::now() + *options.prune_interval;
      }
      // A claim is a write transaction; whether anything is due is a read. Every commit of
      // the outbox wakes this thread (the webhooks' too), so this matters.
      Expected<std::vector<ClaimedDelivery>, OutboxError> claimed{std::vector<ClaimedDelivery>()};
      if (auto due = outbox.next_due(options.endpoint); !due || (*due && **due <= outbox.now())) {
        claimed = outbox.claim(options.endpoint, options.batch, options.lease);
      }
      if (claimed && !claimed->empty()) {
        const std::vector<WorkOutcome> outcomes = handler(*claimed, pause_for);
        for (std::size_t i = 0; i < claimed->size(); ++i) {
          const ClaimedDelivery& d = (*claimed)[i];
          if (i >= outcomes.size()) {
            outbox.release(d);
          } else if (!outcomes[i]) {
            outbox.record_success(d, 200);
          } else {
            outbox.record_failure(d, *outcomes[i]);
          }
        }
        continue;  // more may be due now
      }
      auto wake_at = SteadyClock::now() + options.poll_interval;
      if (claimed) {
        if (auto due = outbox.next_due(options.endpoint); due && *due) {
          const auto wait = **due - std::chrono::system_clock::now();
          wake_at =
              std::min(wake_at, SteadyClock::now() +
                                    std::chrono::duration_cast<SteadyClock::duration>(std::max(
                                        wait, std::chrono::system_clock::duration::zero())) +
                                    std::chrono::milliseconds(1));
        }
      }
      if (stop_requested.load()) break;
      outbox.wait_for_work(seen, wake_at);
    }
    (void)outbox.flush();
  }
};

OutboxWorker::OutboxWorker(Outbox& outbox, OutboxWorkerOptions options, Handler handler)
    : state_(std::make_shared<State>(outbox, std::move(options), std::move(handler))) {
  state_->refresh();
}

OutboxWorker::~OutboxWorker() {
  stop();
}

void OutboxWorker::start() {
  const std::lock_guard lock(state_->mutex);
  if (state_->started || state_->stop_requested.load()) return;
  state_->started = true;
  State* s = state_.get();
  state_->worker = std::thread([s] { s->work_loop(); });
  state_->refresher = std::thread([s] { s->refresh_loop(); });
}

void OutboxWorker::stop() {
  {
    const std::lock_guard lock(state_->mutex);
    if (state_->stop_requested.exchange(true)) return;  // stopped before: the outbox may be gone
  }
  state_->stop_cv.notify_all();
  state_->outbox.wake_waiters();
  if (state_->worker.joinable()) state_->worker.join();
  if (state_->refresher.joinable()) state_->refresher.join();
}

bool OutboxWorker::stopping() const {
  return state_->stop_requested.load();
}

OutboxWorker::Figures OutboxWorker::figures() const {
  Figures f;
  f.queued = state_->queued.load(std::memory_order_relaxed);
  f.retrying = state_->retrying.load(std::memory_order_relaxed);
  f.dead = state_->dead.load(std::memory_order_relaxed);
  const std::int64_t oldest = state_->oldest_ms.load(std::memory_order_relaxed);
  if (oldest != kNoneQueued) {
    f.oldest_queued = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::milliseconds(oldest)));
  }
  return f;
}

bool OutboxWorker::has_room(std::size_t max) const {
  return state_->queued.load() + state_->appended_since_refresh.load() < max;
}

void OutboxWorker::counted_append() {
  state_->appended_since_refresh.fetch_add(1);
}

}  // namespace upgate::events
