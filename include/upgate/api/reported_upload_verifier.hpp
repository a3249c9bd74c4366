// upgate::api::ReportedUploadVerifier: what storage reports about an upload is verified
// before the app hears of it.
//
// A browser may never call POST /v1/uploads/complete (a closed tab, a hostile client), so
// the storage's own report (the embedded store's listener, POST /v1/events/s3) is the other
// way an upload reaches the app. Published as reported, an HTML page PUT as image/png would
// arrive as upload.completed and, sharing its dedup key (event.hpp), would shadow the
// upload.rejected the completion call records later. So each report of a created object is
// screened against the current runtime's profiles first:
//
//   - under a profile's quarantine prefix: upgate's own move of a refused upload (its
//     upload.rejected was recorded before the move): nothing is published;
//   - in the target bucket, at a key a profile's template renders (ProfileSet::for_key,
//     KeyTemplate::match; any principal) and whose
//     verify_content is not off: committed (below), and a worker runs the completion's
//     verification (UploadVerifier) with what the store holds (its Content-Type and size,
//     which the presigned URL or POST policy pinned) as the declaration. It records
//     upload.completed or upload.rejected (source "storage") and quarantines or deletes a
//     refused object as the completion call would; both paths agree on the dedup key, so
//     the app hears one outcome per object version;
//     a report whose object was replaced before its turn (the object at the key has
//     another version id, or without version ids another ETag) is superseded: it records
//     nothing, since its version is gone, and the object there now is queued as a report
//     of its own (from its HEAD; a duplicate row when the storage's report of it came
//     first), so each version is judged under its own identity and the replacement is
//     judged even if its report never comes (docs/EVENTS.md, "Superseded reports");
//   - anything else (object.deleted, another bucket, a key no profile minted, a profile
//     with verify_content = "off"): published as reported.
//
// Durable. A report to verify (or one that arrives before use_runtime(): the API server
// starts after the embedded store) is committed to the events outbox, as its webhook body,
// under the endpoint kVerifyEndpoint that no deliverer serves, before report() returns:
// POST /v1/events/s3 answers 200 and the embedded store answers its client only then, so
// a crash loses no acknowledged report. An events::OutboxWorker works them off on its own
// thread once use_runtime() was called, oldest first: the verification above, then the
// row is recorded done. A report whose verification fails on the store or the outbox is
// retried by the outbox's policy (full-jitter backoff, within the retry window, then a
// dead letter kept for `upgate webhooks replay`); one killed mid-verification is verified
// again at the next start. Verifying twice is harmless: both agree on the dedup key, so
// the app still hears one outcome per object version. The same report sent twice (a
// sender's retry) is one row (`duplicate` in the answer).
//
// Bounded: beyond max_pending reports waiting (OutboxWorker::has_room), report() refuses
// with kFull, so POST /v1/events/s3 answers 503 reports_backlog_full and its sender
// retries; the store listener logs it (the object stays stored, unreported).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/api_runtime.hpp"
#include "upgate/api/event_sink.hpp"
#include "upgate/api/upload_verifier.hpp"
#include "upgate/api/webhook_metrics.hpp"
#include "upgate/events/event.hpp"
#include "upgate/events/event_pipeline.hpp"
#include "upgate/events/outbox.hpp"
#include "upgate/expected.hpp"

namespace spdlog {
class logger;
}

namespace upgate::api {

inline constexpr std::size_t kMaxPendingReports = 100'000;
// The outbox endpoint that holds reports waiting for verification; [[webhooks]] names
// cannot start with "upgate:" (webhook_endpoint.hpp).
inline constexpr std::string_view kVerifyEndpoint = "upgate:verify-report";

// What a report of a created object becomes under `runtime`'s profiles.
enum class ReportScreen : std::uint8_t { publish, verify, ignore };
ReportScreen screen_report(const ApiRuntime& runtime, const events::Event& event);

class ReportedUploadVerifier {
 public:
  using RuntimeSource = std::function<std::shared_ptr<const ApiRuntime>()>;

  // Events are published to `pipeline` and the reports waiting are kept in its outbox;
  // `verifier` records through its own sink, which must be the same pipeline.
  // `pipeline` must outlive this object.
  ReportedUploadVerifier(std::shared_ptr<const UploadVerifier> verifier,
                         events::EventPipeline& pipeline, std::shared_ptr<spdlog::logger> logger,
                         std::size_t max_pending = kMaxPendingReports);
  ~ReportedUploadVerifier();  // stop()
  ReportedUploadVerifier(const ReportedUploadVerifier&) = delete;
  ReportedUploadVerifier& operator=(const ReportedUploadVerifier&) = delete;

  // The runtime whose profiles and credentials judge reports from now on (a reload's
  // snapshot is picked up per report); the first call starts verifying what waits,
  // including what a previous process left.
  void use_runtime(RuntimeSource current);

  // The report's fate, as an EventSink: published now (the outbox's answer), committed for
  // verification or ignored (event_id the id its outcome will have, deliveries 0;
  // duplicate when the same report is already committed), or refused (kInvalid/kStorage
  // from the outbox, kClosed when stopped, kFull past max_pending). Blocks on disk like
  // EventPipeline::publish: never call it from an I/O thread.
  Expected<events::AppendResult, events::OutboxError> report(const events::Event& event);
  // report() for several events (one POST /v1/events/s3) in one outbox transaction (one
  // fsync): every event taken (results in order), or none (the error). While there is
  // room for one more report waiting, the whole batch is taken.
  Expected<std::vector<events::AppendResult>, events::OutboxError> report_all(
      std::span<const events::Event> reported);

  // Pending, retrying, dead and refused reports and the oldest pending one, for GET
  // /metrics: lock-free, no disk (up to a second old; webhook_metrics.hpp).
  StorageReportFigures figures() const;

  // Stops after the verification in progress; what waits stays in the outbox for the next
  // start. Idempotent.
  void stop();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace upgate::api
