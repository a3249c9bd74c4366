#include "upgate/api/reported_upload_verifier.hpp"

#include <spdlog/logger.h>

#include <atomic>
#include <mutex>
#include <span>
#include <vector>

#include "upgate/api/json_log.hpp"
#include "upgate/api/upload_completion.hpp"
#include "upgate/events/outbox_worker.hpp"
#include "upgate/s3client/object_calls.hpp"

namespace upgate::api {
namespace {

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
  events::Outbox* outbox = nullptr;
  std::shared_ptr<spdlog::logger> logger;
  std::size_t max_pending = kMaxPendingReports;
  std::atomic<std::uint64_t> refused{0};

  std::mutex mutex;
  RuntimeSource runtime;
  bool stopping = false;
  // Last: destroyed (stopped) first, while what its handler uses is still there.
  std::unique_ptr<events::OutboxWorker> worker;

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

  std::shared_ptr<const ApiRuntime> current_runtime() {
    const std::lock_guard lock(mutex);
    return runtime ? runtime() : nullptr;
  }

  std::vector<events::WorkOutcome> handle_batch(std::span<const events::ClaimedDelivery> batch,
                                                const events::OutboxWorker::Pause& pause) {
    std::vector<events::WorkOutcome> outcomes;
    for (const events::ClaimedDelivery& d : batch) {
      if (!pause(std::chrono::milliseconds(0))) break;  // stopping: the rest is released
      outcomes.push_back(handle(d));
    }
    return outcomes;
  }

  static events::DeliveryFailure failed(std::string message, bool permanent = false) {
    events::DeliveryFailure failure;
    failure.message = std::move(message);
    failure.permanent = permanent;
    return failure;
  }

  events::WorkOutcome handle(const events::ClaimedDelivery& d) {
    auto event = events::parse_event_json(d.payload);
    if (!event) return failed("not a storage report", true);
    auto current = current_runtime();
    if (!current) return failed("no runtime to verify with");
    auto outcome = verify(*current, *event);
    if (outcome) {
      log(spdlog::level::warn, "cannot verify a reported upload yet; retrying", *event,
          outcome->message);
    }
    return outcome;
  }

  events::WorkOutcome verify(const ApiRuntime& runtime, const events::Event& event) {
    switch (screen_report(runtime, event)) {
      case ReportScreen::ignore:
        return std::nullopt;
      case ReportScreen::publish: {
        auto published = publish(event);
        if (published) return std::nullopt;
        return failed("the outbox: " + published.error().message);
      }
      case ReportScreen::verify:
        break;
    }
    const UploadService& uploads = runtime.service();
    auto resolved = runtime.config().profiles.for_key(event.key);
    if (!resolved || resolved->profile == nullptr) return std::nullopt;  // screened: cannot be
    const UploadProfile& profile = *resolved->profile;
    auto head = s3client::head_object(store_client(uploads), uploads.target().bucket, event.key);
    if (!head) {
      if (s3client::is_not_found(head.error())) {
        // Moved or deleted since (a completion call quarantined it, or the owner deleted
        // it): whoever did that reported it.
        log(spdlog::level::info, "reported object is gone before verification", event);
        return std::nullopt;
      }
      return failed("store: " + head.error().message);
    }
    UploadClaims claims;
    claims.key = event.key;
    claims.profile = profile.name;
    claims.size = head->size;
    claims.content_type = head->content_type;
    const ApiReply reply =
        verifier->verify(uploads, claims, profile, events::EventSource::kStorage);
    if (reply.status >= 500) {
      return failed("verification answered " + std::to_string(reply.status) + ": " +
                    reply.internal_detail);
    }
    if (reply.status != 200) {
      log(spdlog::level::warn, "reported upload refused by verification", event,
          reply.error ? to_string(*reply.error) : std::string_view("status"));
    }
    return std::nullopt;
  }
};

ReportedUploadVerifier::ReportedUploadVerifier(std::shared_ptr<const UploadVerifier> verifier,
                                               EventSink publish, events::Outbox& outbox,
                                               std::shared_ptr<spdlog::logger> logger,
                                               std::size_t max_pending)
    : state_(std::make_shared<State>()) {
  state_->verifier = std::move(verifier);
  state_->publish = std::move(publish);
  state_->outbox = &outbox;
  state_->logger = std::move(logger);
  state_->max_pending = max_pending;
  events::OutboxWorkerOptions options;
  options.endpoint = std::string(kVerifyEndpoint);
  options.batch = 8;
  State* state = state_.get();
  state_->worker =
      std::make_unique<events::OutboxWorker>(outbox, std::move(options),
                                             [state](std::span<const events::ClaimedDelivery> batch,
                                                     const events::OutboxWorker::Pause& pause) {
                                               return state->handle_batch(batch, pause);
                                             });
}

ReportedUploadVerifier::~ReportedUploadVerifier() {
  stop();
}

void ReportedUploadVerifier::use_runtime(RuntimeSource current) {
  {
    const std::lock_guard lock(state_->mutex);
    if (state_->stopping) return;
    state_->runtime = std::move(current);
  }
  state_->worker->start();
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
  const std::string outcome_key = events::dedup_key(event);
  if (outcome_key.empty()) {
    return Unexpected(events::OutboxError{events::OutboxErrc::kInvalid,
                                          "the report has no identity (bucket, key, ETag)"});
  }
  const std::string row_key = "report:" + outcome_key;
  if (!state_->worker->has_room(state_->max_pending)) {
    // A sender's retry of a report that waits already is no new row: a duplicate, not 503.
    if (auto known = state_->outbox->recorded(row_key); known && *known) {
      events::AppendResult result = accepted(event);
      result.duplicate = true;
      return result;
    }
    state_->refused.fetch_add(1, std::memory_order_relaxed);
    return Unexpected(events::OutboxError{
        events::OutboxErrc::kFull, std::to_string(state_->max_pending) +
                                       " storage reports wait for verification; retry later"});
  }
  events::OutboxRecord row;
  row.dedup_key = row_key;
  row.type = event.type;
  row.bucket = event.bucket;
  row.key = event.key;
  row.payload = events::render_json(event);
  const std::string endpoint(kVerifyEndpoint);
  auto appended = state_->outbox->append(row, std::span<const std::string>(&endpoint, 1));
  if (!appended) return Unexpected(std::move(appended).error());
  if (!appended->duplicate) state_->worker->counted_append();
  events::AppendResult result = accepted(event);
  result.duplicate = appended->duplicate;
  return result;
}

StorageReportFigures ReportedUploadVerifier::figures() const {
  const events::OutboxWorker::Figures f = state_->worker->figures();
  StorageReportFigures out;
  out.pending = f.queued;
  out.retrying = f.retrying;
  out.dead = f.dead;
  out.refused = state_->refused.load(std::memory_order_relaxed);
  out.oldest_pending = f.oldest_queued;
  return out;
}

void ReportedUploadVerifier::stop() {
  {
    const std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->worker->stop();
}

}  // namespace upgate::api
