#include "upgate/api/reported_upload_verifier.hpp"

#include <spdlog/logger.h>

#include <algorithm>
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

// Whether the object at the key now is another version than the one reported: another
// version id when both have one, else another ETag; with nothing to compare, the same.
bool superseded(const events::Event& reported, const s3client::ObjectHead& head) {
  if (reported.version_id && head.version_id) return *reported.version_id != *head.version_id;
  if (reported.etag.empty() || head.etag.empty()) return false;
  return events::normalize_etag(reported.etag) != events::normalize_etag(head.etag);
}

// A report of the object a HEAD found, as the storage would have reported it.
events::Event reported_from_head(const events::Event& superseded_report,
                                 const s3client::ObjectHead& head) {
  events::Event event;
  event.type = events::EventType::kUploadCompleted;
  event.bucket = superseded_report.bucket;
  event.key = superseded_report.key;
  event.version_id = head.version_id;
  event.etag = events::normalize_etag(head.etag);
  event.size = head.size;
  event.source = events::EventSource::kStorage;
  event.time = std::chrono::system_clock::now();
  return event;
}

// How a report is taken (ReportedUploadVerifier::report_all).
enum class Fate : std::uint8_t { publish, verify, ignore, known };

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
  events::EventPipeline* pipeline = nullptr;
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
        auto published = pipeline->publish(event);
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
    if (superseded(event, *head)) {
      // This report's version is gone; the one there now is judged under its own report,
      // queued here in case the storage's never comes (a duplicate row when it came).
      log(spdlog::level::info, "reported object was replaced before verification", event);
      const events::Event now_there = reported_from_head(event, *head);
      auto queued = take(std::span<const events::Event>(&now_there, 1), &runtime, false);
      if (!queued) return failed("queueing the replacement: " + queued.error().message);
      return std::nullopt;
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

  // report_all()'s work: each report published, queued for verification or ignored, in one
  // outbox transaction. `current` null: every upload report waits (no runtime yet).
  // `bounded` false: max_pending does not refuse (the worker queueing a replacement, which
  // takes the place of the report it is finishing).
  Expected<std::vector<events::AppendResult>, events::OutboxError> take(
      std::span<const events::Event> reported, const ApiRuntime* current, bool bounded) {
    std::vector<Fate> fates;
    fates.reserve(reported.size());
    std::size_t to_verify = 0;
    for (const events::Event& event : reported) {
      Fate fate = Fate::publish;
      if (event.type == events::EventType::kUploadCompleted) {
        const ReportScreen screen = current ? screen_report(*current, event) : ReportScreen::verify;
        fate = screen == ReportScreen::ignore    ? Fate::ignore
               : screen == ReportScreen::publish ? Fate::publish
                                                 : Fate::verify;
      }
      if (fate == Fate::verify) {
        if (events::dedup_key(event).empty()) {
          return Unexpected(events::OutboxError{events::OutboxErrc::kInvalid,
                                                "the report has no identity (bucket, key, ETag)"});
        }
        ++to_verify;
      }
      fates.push_back(fate);
    }
    if (to_verify > 0 && bounded && !worker->has_room(max_pending)) {
      // A sender's retry of reports that wait already is no new row: duplicates, not 503.
      std::size_t unknown = 0;
      for (std::size_t i = 0; i < reported.size(); ++i) {
        if (fates[i] != Fate::verify) continue;
        auto known = outbox->recorded(row_key(reported[i]));
        if (known && *known) {
          fates[i] = Fate::known;
        } else {
          ++unknown;
        }
      }
      if (unknown > 0) {
        refused.fetch_add(unknown, std::memory_order_relaxed);
        return Unexpected(events::OutboxError{
            events::OutboxErrc::kFull,
            std::to_string(max_pending) + " storage reports wait for verification; retry later"});
      }
    }
    std::vector<events::OutboxAppend> rows;
    rows.reserve(reported.size());
    for (std::size_t i = 0; i < reported.size(); ++i) {
      const events::Event& event = reported[i];
      if (fates[i] == Fate::publish) {
        rows.push_back({events::outbox_record(event), pipeline->subscribers(event)});
      } else if (fates[i] == Fate::verify) {
        events::OutboxRecord row{row_key(event), event.type, event.bucket, event.key,
                                 events::render_json(event)};
        rows.push_back({std::move(row), {std::string(kVerifyEndpoint)}});
      }
    }
    auto appended = outbox->append_all(rows);
    if (!appended) return Unexpected(std::move(appended).error());
    std::vector<events::AppendResult> results;
    results.reserve(reported.size());
    std::size_t row = 0;
    for (std::size_t i = 0; i < reported.size(); ++i) {
      switch (fates[i]) {
        case Fate::publish:
          results.push_back(std::move((*appended)[row++]));
          break;
        case Fate::verify: {
          const events::AppendResult& queued = (*appended)[row++];
          if (!queued.duplicate) worker->counted_append();
          results.push_back(accepted(reported[i]));
          results.back().duplicate = queued.duplicate;
          break;
        }
        case Fate::known:
          results.push_back(accepted(reported[i]));
          results.back().duplicate = true;
          break;
        case Fate::ignore:
          results.push_back(accepted(reported[i]));
          break;
      }
    }
    return results;
  }

  static std::string row_key(const events::Event& event) {
    return "report:" + events::dedup_key(event);
  }
};

ReportedUploadVerifier::ReportedUploadVerifier(std::shared_ptr<const UploadVerifier> verifier,
                                               events::EventPipeline& pipeline,
                                               std::shared_ptr<spdlog::logger> logger,
                                               std::size_t max_pending)
    : state_(std::make_shared<State>()) {
  events::Outbox& outbox = pipeline.outbox();
  state_->verifier = std::move(verifier);
  state_->pipeline = &pipeline;
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
  auto results = report_all(std::span<const events::Event>(&event, 1));
  if (!results) return Unexpected(std::move(results).error());
  return std::move(results->front());
}

Expected<std::vector<events::AppendResult>, events::OutboxError> ReportedUploadVerifier::report_all(
    std::span<const events::Event> reported) {
  std::shared_ptr<const ApiRuntime> current;
  {
    const std::lock_guard lock(state_->mutex);
    const bool uploads = std::any_of(reported.begin(), reported.end(), [](const auto& e) {
      return e.type == events::EventType::kUploadCompleted;
    });
    if (state_->stopping && uploads) {
      return Unexpected(events::OutboxError{events::OutboxErrc::kClosed, "stopping"});
    }
    if (state_->runtime) current = state_->runtime();
  }
  return state_->take(reported, current.get(), true);
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
