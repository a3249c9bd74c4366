// POST /v1/events/s3 (and /v1/events/s3/<secret>): where storage reports objects to
// `upgate serve` (Ceph RGW's push endpoint, `upgate store --notify-url`, AWS S3 through an
// SNS subscription). The decisions are StorageEventsIngest's (storage_events_ingest.hpp);
// this route checks the secret before it reads any of the body (a 401 goes out with the
// body unread, never inviting it with 100 Continue), then reads the body (at most 1 MiB),
// runs the ingest and reports the request's events together (StorageEventsRoute::report:
// one outbox transaction, one fsync, for all of them) on the blocking pool (never on an
// I/O thread), and answers:
//   200 {"ok":true,"code":"ok"|"confirmed","events":N,"duplicates":D} after every event
//       is committed to the outbox (so a sender that gets 200 may forget them),
//   401/403/400/502 {"ok":false,"code":...,"message":...} as the ingest decided,
//   413 for a larger body, 503 "outbox_unavailable" when the events could not be written
//       (none of them was), 503 "reports_backlog_full" (Retry-After: 5) when too many
//       reports wait for verification (none of the request's was taken; the sender
//       retries).
// The path form keeps the secret out of logs: the access line shows /v1/events/s3/<secret>.
#pragma once

#include <memory>

#include "upgate/api/event_sink.hpp"
#include "upgate/events/storage_events_ingest.hpp"
#include "upgate/http/router.hpp"

namespace upgate::api {

inline constexpr std::string_view kStorageEventsPath = "/v1/events/s3";
inline constexpr std::size_t kMaxStorageEventsBody = 1024 * 1024;

struct StorageEventsRoute {
  events::StorageEventsIngest ingest;
  // Where a request's events go, together: in `upgate serve`,
  // ReportedUploadVerifier::report_all (reported_upload_verifier.hpp), which publishes
  // each or verifies the upload first.
  EventBatchSink report;
};

http::Handler storage_events_handler(std::shared_ptr<const StorageEventsRoute> route);

}  // namespace upgate::api
