#include "upgate/events/s3_record_pusher.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>

#include "upgate/events/event.hpp"
#include "upgate/events/outbox_worker.hpp"
#include "upgate/events/store_notifications.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::events {
namespace {

// One row per change: the store's sequencer orders (and so tells apart) changes of a key,
// and a DeleteObjects request's keys share one sequencer, so bucket, key, event name and
// sequencer name a change.
std::string change_identity(const store::ObjectChange& change) {
  std::string key = "s3record";
  append_key_field(key, change.bucket);
  append_key_field(key, change.key);
  append_key_field(key, change.event_name);
  append_key_field(key, change.sequencer);
  return key;
}

}  // namespace

struct S3RecordPusher::State {
  S3RecordPusherOptions options;
  std::unique_ptr<Outbox> outbox;

  std::mutex mutex;  // guards stats and the log's burst flags
  S3RecordPusherStats stats;
  bool overflow_reported = false;
  std::mt19937_64 random{std::random_device{}()};
  // Last: destroyed (stopped) first, before the outbox and what its handler uses.
  std::unique_ptr<OutboxWorker> worker;

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  enum class Answer : std::uint8_t { kSent, kRefused, kRetry };

  Answer post(const std::string& body, std::size_t records, int& status) {
    s3client::HttpRequest request;
    request.method = "POST";
    request.url = options.url;
    request.headers = options.headers;
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
    request.connect_timeout = std::min(options.timeout, std::chrono::seconds(10));
    request.total_timeout = options.timeout;
    request.max_response_body = 4096;
    request.ca_file = options.ca_file;
    auto answer = s3client::perform(request);
    status = answer ? static_cast<int>(answer->status) : 0;
    std::lock_guard lock(mutex);
    ++stats.attempts;
    if (answer && answer->status >= 200 && answer->status < 300) {
      stats.sent += records;
      return Answer::kSent;
    }
    if (answer && answer->status != 429 && answer->status < 500) {
      log("store notifications: " + printable_origin(options.url) + " refused " +
          std::to_string(records) + " records with HTTP " + std::to_string(answer->status));
      return Answer::kRefused;
    }
    log("store notifications: " + printable_origin(options.url) + " failed (" +
        (answer ? "HTTP " + std::to_string(answer->status) : answer.error().message) +
        "); retrying");
    return Answer::kRetry;
  }

  // One batch, retried whole and in order until it is sent, refused, out of time or the
  // pusher stops (then nothing is answered: the rows are released for the next start).
  std::vector<WorkOutcome> send(std::span<const ClaimedDelivery> batch,
                                const OutboxWorker::Pause& pause) {
    std::vector<std::string> records;
    records.reserve(batch.size());
    for (const ClaimedDelivery& d : batch) records.push_back(d.payload);
    const std::string body = join_s3_event_records(records);
    const auto first_failure = std::chrono::steady_clock::now();
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int failures = 0;;) {
      int status = 0;
      const Answer answer = post(body, batch.size(), status);
      if (answer == Answer::kSent) return std::vector<WorkOutcome>(batch.size());
      DeliveryFailure failure;
      failure.http_status = status;
      failure.permanent = true;  // a dead letter, kept (replayable)
      if (answer == Answer::kRefused) {
        failure.message = "refused with HTTP " + std::to_string(status);
        return refused(batch.size(), failure);
      }
      ++failures;
      const auto wait = retry_delay(options.retry, failures, unit(random));
      if (std::chrono::steady_clock::now() + wait - first_failure > options.retry.window) {
        failure.message = "still failing after the retry window";
        return refused(batch.size(), failure);
      }
      if (!pause(wait)) return {};
    }
  }

  std::vector<WorkOutcome> refused(std::size_t n, const DeliveryFailure& failure) {
    {
      std::lock_guard lock(mutex);
      stats.refused += n;
    }
    return std::vector<WorkOutcome>(n, failure);
  }
};

Expected<std::unique_ptr<S3RecordPusher>, OutboxError> S3RecordPusher::start(
    S3RecordPusherOptions options) {
  auto outbox = Outbox::open_owner(options.outbox, options.retry);
  if (!outbox) return Unexpected(std::move(outbox).error());
  std::unique_ptr<S3RecordPusher> pusher(new S3RecordPusher());
  pusher->state_ = std::make_unique<State>();
  State* state = pusher->state_.get();
  state->options = std::move(options);
  state->outbox = std::move(*outbox);
  OutboxWorkerOptions worker;
  worker.endpoint = std::string(kNotifyEndpoint);
  worker.batch = std::max<std::size_t>(state->options.max_batch, 1);
  // A batch is retried in place for up to the retry window; the lease only matters to
  // another consumer, and there is none.
  worker.lease =
      std::chrono::duration_cast<std::chrono::milliseconds>(state->options.retry.window) +
      std::chrono::hours(1);
  worker.prune_interval = std::chrono::minutes(1);
  state->worker = std::make_unique<OutboxWorker>(
      *state->outbox, std::move(worker),
      [state](std::span<const ClaimedDelivery> batch, const OutboxWorker::Pause& pause) {
        return state->send(batch, pause);
      });
  state->worker->start();
  return pusher;
}

S3RecordPusher::~S3RecordPusher() {
  stop();
}

void S3RecordPusher::notify(const store::ObjectChange& change) {
  State& s = *state_;
  auto drop = [&s](const std::string& why) {
    std::lock_guard lock(s.mutex);
    ++s.stats.dropped;
    if (!s.overflow_reported) {
      s.overflow_reported = true;
      s.log("store notifications: " + why + "; dropping changes");
    }
  };
  if (!s.worker->has_room(s.options.max_queue)) {
    drop(std::to_string(s.options.max_queue) + " records wait to be sent");
    return;
  }
  OutboxRecord row;
  row.dedup_key = change_identity(change);
  row.type = change.kind == store::ObjectChange::Kind::kCreated ? EventType::kUploadCompleted
                                                                : EventType::kObjectDeleted;
  row.bucket = change.bucket;
  row.key = change.key;
  row.payload = render_s3_event_record(change, s.options.region);
  const std::string endpoint(kNotifyEndpoint);
  auto appended = s.outbox->append(row, std::span<const std::string>(&endpoint, 1));
  if (!appended) {
    drop("the outbox cannot record them (" + appended.error().message + ")");
    return;
  }
  if (!appended->duplicate) s.worker->counted_append();
  std::lock_guard lock(s.mutex);
  s.overflow_reported = false;
}

void S3RecordPusher::stop() {
  if (state_ && state_->worker) state_->worker->stop();
}

S3RecordPusherStats S3RecordPusher::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

std::string S3RecordPusher::printable_origin(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "(a URL without a scheme)";
  auto host_start = scheme_end + 3;
  auto host_end = url.find_first_of("/?#", host_start);
  auto authority =
      url.substr(host_start, host_end == std::string_view::npos ? std::string_view::npos
                                                                : host_end - host_start);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);  // never print user info
  }
  return std::string(url.substr(0, host_start)) + std::string(authority);
}

}  // namespace upgate::events
