// The webhooks' Prometheus metrics, rendered from the deliverer's per-endpoint figures
// (events::Deliverer::figures(), lock-free and without disk), so GET /metrics can show
// them on an I/O thread. Exposed, one series per configured endpoint:
//   upgate_webhook_deliveries{endpoint,state}   gauge
//     state="queued"     undelivered deliveries in the outbox (pending, retrying, waiting
//                        behind an earlier event for the same object)
//     state="retrying"   of those queued, the ones that failed at least once and wait for
//                        their retry (a replay makes one due now and no longer retrying)
//     state="dead"       dead letters kept in the outbox (until replayed)
//     state="delivered"  deliveries answered 2xx since serve started (only goes up)
//     state="failed"     failed attempts since serve started (only goes up; one delivery
//                        retried five times counts five)
//   upgate_webhook_oldest_queued_seconds{endpoint}   gauge: age of the event of the oldest
//                        undelivered delivery, 0 when nothing is queued
// queued, retrying, dead and the oldest event are read from the outbox off-thread, up to
// DelivererOptions::backlog_refresh (1 s) old; the age is computed from `now` at render.
//
// Storage reports waiting for verification (reported_upload_verifier.hpp), when serve
// verifies them:
//   upgate_storage_reports{state}   gauge
//     state="pending"    committed and not yet verified (retrying ones included)
//     state="retrying"   of those pending, the ones whose verification failed at least once
//                        (the store or the outbox failing) and wait for their retry
//     state="dead"       reports given up on (past the retry window), kept in the outbox
//     state="refused"    reports refused since serve started because max_pending_reports
//                        were pending (only goes up)
//   upgate_storage_reports_oldest_pending_seconds   gauge: age of the oldest pending report,
//                        0 when none
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "upgate/events/deliverer.hpp"

namespace upgate::api {

std::string render_webhook_metrics(std::span<const events::EndpointFigures> figures,
                                   std::chrono::system_clock::time_point now);

struct StorageReportFigures {
  std::uint64_t pending = 0;
  std::uint64_t retrying = 0;
  std::uint64_t dead = 0;
  std::uint64_t refused = 0;
  std::optional<std::chrono::system_clock::time_point> oldest_pending;
};

std::string render_storage_report_metrics(const StorageReportFigures& figures,
                                          std::chrono::system_clock::time_point now);

}  // namespace upgate::api
