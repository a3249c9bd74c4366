#include "upgate/api/webhook_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "upgate/api/prometheus_text.hpp"

namespace upgate::api {

std::string render_webhook_metrics(std::span<const events::EndpointFigures> figures,
                                   std::chrono::system_clock::time_point now) {
  std::string out;
  if (figures.empty()) return out;
  auto it = std::back_inserter(out);
  out +=
      "# HELP upgate_webhook_deliveries Webhook deliveries by endpoint: queued and dead in the "
      "outbox now (retrying: of queued, failed at least once); delivered and failed attempts "
      "since start.\n";
  out += "# TYPE upgate_webhook_deliveries gauge\n";
  for (const events::EndpointFigures& f : figures) {
    const std::string endpoint = label_value(f.endpoint);
    const std::pair<const char*, std::uint64_t> states[] = {{"queued", f.queued},
                                                            {"retrying", f.retrying},
                                                            {"delivered", f.delivered},
                                                            {"failed", f.failed},
                                                            {"dead", f.dead}};
    for (const auto& [state, value] : states) {
      fmt::format_to(it, "upgate_webhook_deliveries{{endpoint=\"{}\",state=\"{}\"}} {}\n", endpoint,
                     state, value);
    }
  }
  out +=
      "# HELP upgate_webhook_oldest_queued_seconds Age of the oldest undelivered event by "
      "endpoint (0 when none).\n";
  out += "# TYPE upgate_webhook_oldest_queued_seconds gauge\n";
  for (const events::EndpointFigures& f : figures) {
    double age = 0;
    if (f.oldest_queued) {
      age = std::max(0.0, std::chrono::duration<double>(now - *f.oldest_queued).count());
    }
    fmt::format_to(it, "upgate_webhook_oldest_queued_seconds{{endpoint=\"{}\"}} {:.3f}\n",
                   label_value(f.endpoint), age);
  }
  return out;
}

std::string render_storage_report_metrics(const StorageReportFigures& f,
                                          std::chrono::system_clock::time_point now) {
  std::string out;
  auto it = std::back_inserter(out);
  out +=
      "# HELP upgate_storage_reports Storage reports of uploads: pending verification now "
      "(retrying: of pending, failed at least once), dead (given up, kept), refused since "
      "start because too many were pending.\n";
  out += "# TYPE upgate_storage_reports gauge\n";
  const std::pair<const char*, std::uint64_t> states[] = {
      {"pending", f.pending}, {"retrying", f.retrying}, {"dead", f.dead}, {"refused", f.refused}};
  for (const auto& [state, value] : states) {
    fmt::format_to(it, "upgate_storage_reports{{state=\"{}\"}} {}\n", state, value);
  }
  double age = 0;
  if (f.oldest_pending) {
    age = std::max(0.0, std::chrono::duration<double>(now - *f.oldest_pending).count());
  }
  out +=
      "# HELP upgate_storage_reports_oldest_pending_seconds Age of the oldest storage report "
      "waiting for verification (0 when none).\n";
  out += "# TYPE upgate_storage_reports_oldest_pending_seconds gauge\n";
  fmt::format_to(it, "upgate_storage_reports_oldest_pending_seconds {:.3f}\n", age);
  return out;
}

}  // namespace upgate::api
