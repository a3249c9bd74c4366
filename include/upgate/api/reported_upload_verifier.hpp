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
//     verify_content is not off: queued, and a worker thread runs the completion's
//     verification (UploadVerifier) with what the store holds (its Content-Type and size,
//     which the presigned URL or POST policy pinned) as the declaration. It records
//     upload.completed or upload.rejected (source "storage") and quarantines or deletes a
//     refused object as the completion call would; both paths agree on the dedup key, so
//     the app hears one outcome per object version;
//   - anything else (object.deleted, another bucket, a key no profile minted, a profile
//     with verify_content = "off"): published as reported.
//
// Until use_runtime() is called (the API server starts after the embedded store), every
// created-object report is queued and screened once the runtime is known. The queue is
// bounded (max_queued): a report that does not fit is refused with an outbox error, so
// POST /v1/events/s3 answers 503 and its sender retries, and the store listener logs it.
// A queued report lives in memory only: a crash before the worker verifies it loses it
// (the completion call still verifies; docs/EVENTS.md). A verification that fails on the
// store or the outbox is retried a few times with backoff, then logged as an error.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "upgate/api/api_runtime.hpp"
#include "upgate/api/event_sink.hpp"
#include "upgate/api/upload_verifier.hpp"
#include "upgate/events/event.hpp"
#include "upgate/events/outbox.hpp"
#include "upgate/expected.hpp"

namespace spdlog {
class logger;
}

namespace upgate::api {

inline constexpr std::size_t kMaxQueuedReports = 4096;

// What a report of a created object becomes under `runtime`'s profiles.
enum class ReportScreen : std::uint8_t { publish, verify, ignore };
ReportScreen screen_report(const ApiRuntime& runtime, const events::Event& event);

class ReportedUploadVerifier {
 public:
  using RuntimeSource = std::function<std::shared_ptr<const ApiRuntime>()>;

  // `publish` records an event durably (EventPipeline::publish); `verifier` records
  // through its own sink, which must be the same outbox.
  ReportedUploadVerifier(std::shared_ptr<const UploadVerifier> verifier, EventSink publish,
                         std::shared_ptr<spdlog::logger> logger,
                         std::size_t max_queued = kMaxQueuedReports);
  ~ReportedUploadVerifier();  // stop()
  ReportedUploadVerifier(const ReportedUploadVerifier&) = delete;
  ReportedUploadVerifier& operator=(const ReportedUploadVerifier&) = delete;

  // The runtime whose profiles and credentials judge reports from now on (a reload's
  // snapshot is picked up per report).
  void use_runtime(RuntimeSource current);

  // The report's fate, as an EventSink: published now (the outbox's answer), or accepted
  // for verification or ignored (event_id the report's own, deliveries 0), or refused
  // (kInvalid/kStorage from the outbox, kClosed when stopped, kStorage when the queue is
  // full). Blocks on disk like EventPipeline::publish: never call it from an I/O thread.
  Expected<events::AppendResult, events::OutboxError> report(const events::Event& event);

  // Waits up to `grace` for the queue to be verified; true when it was.
  bool drain(std::chrono::milliseconds grace);

  // Stops the worker after the verification in progress; queued reports are dropped with
  // a log line each. Idempotent.
  void stop();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace upgate::api
