// Events inside `upgate serve`: when upgate.toml has [[webhooks]] or an [events] table,
// serve opens the durable outbox (events.outbox, default <data dir>/events.db), starts the
// deliverer for the configured endpoints, and hands the embedded store a listener that
// turns each committed change into its event (store_notifications.hpp) and reports it
// before the store answers the client. Reports from the store and from POST /v1/events/s3
// go through one ReportedUploadVerifier (reported_upload_verifier.hpp): an upload whose
// profile checks content is verified before the app hears of it, the rest is published
// (EventPipeline::publish). Completions share its UploadVerifier and outbox.
//
// A store change whose event cannot be written (a full disk) is logged as an error with the
// bucket and key; the object stays stored. The gap between the store's commit and the
// outbox's (two SQLite files) is a crash window in which a change can be missed; the
// completion call and the storage notifications of RGW/S3 do not have it (docs/EVENTS.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/events_config.hpp"
#include "upgate/api/reported_upload_verifier.hpp"
#include "upgate/api/storage_events_route.hpp"
#include "upgate/events/event_pipeline.hpp"
#include "upgate/expected.hpp"
#include "upgate/store/object_change.hpp"

namespace spdlog {
class logger;
}

namespace upgate::cli {

// events.outbox, else <data_dir>/events.db.
std::filesystem::path outbox_path(const api::EventsSettings& settings,
                                  const std::filesystem::path& data_dir);

// The secrets of POST /v1/events/s3 in the value of events.secret_env's variable: one, or
// several separated by spaces or tabs during a rotation.
std::vector<std::string> events_route_secrets(std::string_view value);

struct ServeEventsError {
  bool usage = false;  // a bad [[webhooks]] entry (exit 2), else the outbox (exit 1)
  std::string message;
};

class ServeEvents {
 public:
  // Null when neither [[webhooks]] nor [events] is configured.
  static Expected<std::unique_ptr<ServeEvents>, ServeEventsError> start(
      const api::EventsSettings& settings, const std::filesystem::path& data_dir,
      const std::shared_ptr<spdlog::logger>& logger);

  store::ObjectChangeListener store_listener();
  // The verifier completions use (ApiServerOptions::verifier), recording in this outbox.
  std::shared_ptr<const api::UploadVerifier> verifier() const { return verifier_; }
  // Storage reports are screened by `current`'s profiles from now on; until then they wait.
  void use_runtime(api::ReportedUploadVerifier::RuntimeSource current);
  // Stops verifying reports (ReportedUploadVerifier::stop); stop() does it too.
  void stop_reports();
  events::EventPipeline& pipeline() { return *pipeline_; }
  // GET /metrics's webhook and storage-report series (webhook_metrics.hpp): atomics only,
  // safe on an I/O thread.
  std::string render_metrics() const;
  // POST /v1/events/s3's state when events.secret_env is set, else null.
  std::shared_ptr<const api::StorageEventsRoute> storage_events_route() const { return route_; }
  void stop(std::chrono::milliseconds grace);

 private:
  ServeEvents() = default;
  std::unique_ptr<events::EventPipeline> pipeline_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<api::StorageEventsRoute> route_;
  std::shared_ptr<const api::UploadVerifier> verifier_;
  std::shared_ptr<api::ReportedUploadVerifier> reports_;
};

}  // namespace upgate::cli
