#include "upgate/events/s3_record_pusher.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "upgate/events/store_notifications.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::events {

struct S3RecordPusher::State {
  S3RecordPusherOptions options;
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<store::ObjectChange> queue;
  bool stopping = false;
  std::chrono::steady_clock::time_point give_up_at = std::chrono::steady_clock::time_point::max();
  bool overflow_reported = false;
  S3RecordPusherStats stats;
  std::thread thread;

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }
  bool out_of_time() const { return stopping && std::chrono::steady_clock::now() >= give_up_at; }

  // The answer to one POST: true when the batch is finished with (sent or refused).
  bool post(const std::vector<store::ObjectChange>& batch) {
    s3client::HttpRequest request;
    request.method = "POST";
    request.url = options.url;
    request.headers = options.headers;
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = render_s3_event_records(batch, options.region);
    request.connect_timeout = std::min(options.timeout, std::chrono::seconds(10));
    request.total_timeout = options.timeout;
    request.max_response_body = 4096;
    request.ca_file = options.ca_file;
    auto answer = s3client::perform(request);
    std::lock_guard lock(mutex);
    ++stats.attempts;
    if (answer && answer->status >= 200 && answer->status < 300) {
      stats.sent += batch.size();
      return true;
    }
    if (answer && answer->status != 429 && answer->status < 500) {
      stats.refused += batch.size();
      log("store notifications: " + printable_origin(options.url) + " refused " +
          std::to_string(batch.size()) + " records with HTTP " + std::to_string(answer->status));
      return true;
    }
    log("store notifications: " + printable_origin(options.url) + " failed (" +
        (answer ? "HTTP " + std::to_string(answer->status) : answer.error().message) +
        "); retrying");
    return false;
  }

  void run() {
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (;;) {
      std::vector<store::ObjectChange> batch;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping with nothing left
        while (!queue.empty() && batch.size() < options.max_batch) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        overflow_reported = false;
      }
      for (int failures = 0;;) {
        if (post(batch)) break;
        ++failures;
        auto wait = retry_delay(options.retry, failures, unit(random));
        std::unique_lock lock(mutex);
        auto until = std::min(std::chrono::steady_clock::now() + wait, give_up_at);
        wake.wait_until(lock, until, [&] { return out_of_time(); });
        if (out_of_time()) return;
      }
      std::lock_guard lock(mutex);
      if (out_of_time()) return;
    }
  }
};

S3RecordPusher::S3RecordPusher(S3RecordPusherOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->thread = std::thread([state = state_.get()] { state->run(); });
}

S3RecordPusher::~S3RecordPusher() {
  stop();
}

void S3RecordPusher::notify(const store::ObjectChange& change) {
  std::lock_guard lock(state_->mutex);
  if (state_->stopping) return;
  if (state_->queue.size() >= state_->options.max_queue) {
    ++state_->stats.dropped;
    if (!state_->overflow_reported) {
      state_->overflow_reported = true;
      state_->log("store notifications: the queue of " + std::to_string(state_->options.max_queue) +
                  " is full; dropping changes");
    }
    return;
  }
  state_->queue.push_back(change);
  state_->wake.notify_one();
}

void S3RecordPusher::stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->stopping) {
      state_->stopping = true;
      state_->give_up_at = std::chrono::steady_clock::now() + grace;
    }
  }
  state_->wake.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
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
