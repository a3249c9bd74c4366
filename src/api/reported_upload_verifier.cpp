#include "upgate/api/reported_upload_verifier.hpp"

#include <spdlog/logger.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "upgate/api/json_log.hpp"
#include "upgate/api/upload_completion.hpp"
#include "upgate/s3client/object_calls.hpp"

namespace upgate::api {
namespace {

constexpr int kAttempts = 4;  // a store or outbox failure is retried after 1, 2 and 4 s

bool under_quarantine(const ProfileSet& profiles, std::string_view key) {
  for (const UploadProfile& p : profiles.profiles()) {
    if (p.on_mismatch != OnMismatch::quarantine || p.quarantine.empty()) continue;
    if (key.size() > p.quarantine.size() && key.starts_with(p.quarantine) &&
        key[p.quarantine.size()] == '/') {
      return true;
    }
  }
  return false;
}

events::AppendResult accepted(const events::Event& event) {
  events::AppendResult result;
  result.event_id = events::event_id_for(events::dedup_key(event));
  return result;
}

}  // namespace

ReportScreen screen_report(const ApiRuntime& runtime, const events::Event& event) {
  if (event.type != events::EventType::kUploadCompleted) return ReportScreen::publish;
  if (event.bucket != runtime.service().target().bucket) return ReportScreen::publish;
  const ProfileSet& profiles = runtime.config().profiles;
  if (under_quarantine(profiles, event.key)) return ReportScreen::ignore;
  auto resolved = profiles.for_key(event.key);
  if (!resolved || resolved->profile == nullptr) return ReportScreen::publish;
  const UploadProfile& profile = *resolved->profile;
  // A key in the folder that the template could not have rendered was written by someone
  // holding the store's credentials, not through a URL upgate signed.
  const auto in_folder =
      profile.any_folder ? std::nullopt : std::optional<std::string_view>(profile.folder);
  if (!profile.key_template.match(event.key, in_folder, KeyOwner::anyone())) {
    return ReportScreen::publish;
  }
  return CompletionService::reads_content(profile) ? ReportScreen::verify : ReportScreen::publish;
}

struct ReportedUploadVerifier::State {
  std::shared_ptr<const UploadVerifier> verifier;
  EventSink publish;
  std::shared_ptr<spdlog::logger> logger;
  std::size_t max_queued = kMaxQueuedReports;

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<events::Event> queue;
  RuntimeSource runtime;
  bool stopping = false;
  bool busy = false;  // the worker holds a report
  std::condition_variable idle;
  std::thread worker;

  void log(spdlog::level::level_enum level, std::string_view msg, const events::Event& event,
           std::string_view reason = {}) const {
    if (!logger) return;
    log_json(*logger, level,
             json_log_line(spdlog::level::to_string_view(level).data(), msg,
                           {{"bucket", event.bucket},
                            {"key", event.key},
                            {"etag", event.etag},
                            {"reason", reason}}));
  }

  // Sleeps `delay` unless stopped; false when stopped.
  bool pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    return !wake.wait_for(lock, delay, [this] { return stopping; });
  }

  void run() {
    for (;;) {
      events::Event event;
      std::shared_ptr<const ApiRuntime> current;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return stopping || (!queue.empty() && runtime); });
        if (stopping) break;
        event = std::move(queue.front());
        queue.pop_front();
        busy = true;
        current = runtime();
      }
      if (!current) {
        log(spdlog::level::err, "storage report dropped: no runtime", event);
      } else {
        handle(*current, event);
      }
      {
        const std::lock_guard lock(mutex);
        busy = false;
      }
      idle.notify_all();
    }
    const std::lock_guard lock(mutex);
    for (const auto& event : queue) {
      log(spdlog::level::warn, "storage report not verified before stopping", event);
    }
    queue.clear();
  }

  void handle(const ApiRuntime& runtime, const events::Event& event) {
    switch (screen_report(runtime, event)) {
      case ReportScreen::ignore:
        return;
      case ReportScreen::publish:
        for (int attempt = 1;; ++attempt) {
          auto published = publish(event);
          if (published) return;
          if (attempt == kAttempts) {
            log(spdlog::level::err, "cannot record a storage event", event,
                published.error().message);
            return;
          }
          if (!pause(std::chrono::seconds(1 << (attempt - 1)))) return;
        }
      case ReportScreen::verify:
        break;
    }
    const UploadService& uploads = runtime.service();
    auto resolved = runtime.config().profiles.for_key(event.key);
    if (!resolved || resolved->profile == nullptr) return;  // screened as verify: cannot be
    const UploadProfile& profile = *resolved->profile;
    for (int attempt = 1;; ++attempt) {
      std::string failure;
      auto head = s3client::head_object(store_client(uploads), uploads.target().bucket, event.key);
      if (!head) {
        if (s3client::is_not_found(head.error())) {
          // Moved or deleted since (a completion call quarantined it, or the owner deleted
          // it): whoever did that reported it.
          log(spdlog::level::info, "reported object is gone before verification", event);
          return;
        }
        failure = "store: " + head.error().message;
      } else {
        UploadClaims claims;
        claims.key = event.key;
        claims.profile = profile.name;
        claims.size = head->size;
        claims.content_type = head->content_type;
        const ApiReply reply =
            verifier->verify(uploads, claims, profile, events::EventSource::kStorage);
        if (reply.status < 500) {
          if (reply.status != 200) {
            log(spdlog::level::warn, "reported upload refused by verification", event,
                reply.error ? to_string(*reply.error) : std::string_view("status"));
          }
          return;
        }
        failure =
            "verification answered " + std::to_string(reply.status) + ": " + reply.internal_detail;
      }
      if (attempt == kAttempts) {
        log(spdlog::level::err, "cannot verify a reported upload", event, failure);
        return;
      }
      if (!pause(std::chrono::seconds(1 << (attempt - 1)))) return;
    }
  }
};

ReportedUploadVerifier::ReportedUploadVerifier(std::shared_ptr<const UploadVerifier> verifier,
                                               EventSink publish,
                                               std::shared_ptr<spdlog::logger> logger,
                                               std::size_t max_queued)
    : state_(std::make_shared<State>()) {
  state_->verifier = std::move(verifier);
  state_->publish = std::move(publish);
  state_->logger = std::move(logger);
  state_->max_queued = max_queued;
  state_->worker = std::thread([state = state_.get()] { state->run(); });
}

ReportedUploadVerifier::~ReportedUploadVerifier() {
  stop();
}

void ReportedUploadVerifier::use_runtime(RuntimeSource current) {
  {
    const std::lock_guard lock(state_->mutex);
    state_->runtime = std::move(current);
  }
  state_->wake.notify_all();
}

Expected<events::AppendResult, events::OutboxError> ReportedUploadVerifier::report(
    const events::Event& event) {
  if (event.type != events::EventType::kUploadCompleted) return state_->publish(event);
  std::shared_ptr<const ApiRuntime> current;
  {
    const std::lock_guard lock(state_->mutex);
    if (state_->stopping) {
      return Unexpected(events::OutboxError{events::OutboxErrc::kClosed, "stopping"});
    }
    if (state_->runtime) current = state_->runtime();
  }
  if (current) {
    switch (screen_report(*current, event)) {
      case ReportScreen::publish:
        return state_->publish(event);
      case ReportScreen::ignore:
        return accepted(event);
      case ReportScreen::verify:
        break;
    }
  }
  {
    const std::lock_guard lock(state_->mutex);
    if (state_->queue.size() >= state_->max_queued) {
      return Unexpected(events::OutboxError{events::OutboxErrc::kStorage,
                                            "too many storage reports waiting for verification"});
    }
    state_->queue.push_back(event);
  }
  state_->wake.notify_one();
  return accepted(event);
}

bool ReportedUploadVerifier::drain(std::chrono::milliseconds grace) {
  std::unique_lock lock(state_->mutex);
  return state_->idle.wait_for(lock, grace,
                               [this] {
                                 return state_->stopping ||
                                        (state_->queue.empty() && !state_->busy) ||
                                        !state_->runtime;
                               }) &&
         state_->queue.empty() && !state_->busy;
}

void ReportedUploadVerifier::stop() {
  {
    const std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (state_->worker.joinable()) state_->worker.join();
}

}  // namespace upgate::api
