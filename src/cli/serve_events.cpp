#include "serve_events.hpp"

#include <spdlog/spdlog.h>

#include "upgate/api/json_log.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/events/store_notifications.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::cli {

std::filesystem::path outbox_path(const api::EventsSettings& config,
                                  const std::filesystem::path& data_dir) {
  if (!config.events.outbox.empty()) return config.events.outbox;
  return data_dir / "events.db";
}

Expected<std::unique_ptr<ServeEvents>, ServeEventsError> ServeEvents::start(
    const api::EventsSettings& config, const std::filesystem::path& data_dir,
    const std::shared_ptr<spdlog::logger>& logger) {
  if (!config.configured) return std::unique_ptr<ServeEvents>();

  events::EventPipelineOptions options;
  const auto environment = config::Environment::process();
  for (std::size_t i = 0; i < config.webhooks.size(); ++i) {
    auto endpoint = events::make_endpoint(config.webhooks[i], environment);
    if (!endpoint) {
      return Unexpected(ServeEventsError{true, "webhooks[" + std::to_string(i) + "]." +
                                                   endpoint.error().field + ": " +
                                                   endpoint.error().message});
    }
    options.endpoints.push_back(std::move(*endpoint));
  }
  options.outbox = outbox_path(config, data_dir);
  std::error_code ignored;
  std::filesystem::create_directories(options.outbox.parent_path(), ignored);
  options.retry.window =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.events.retry_window);
  s3client::http_client_global_init();
  auto pipeline = events::EventPipeline::start(std::move(options));
  if (!pipeline) {
    return Unexpected(ServeEventsError{false, "events outbox " +
                                                  outbox_path(config, data_dir).string() + ": " +
                                                  pipeline.error().message});
  }
  std::unique_ptr<ServeEvents> out(new ServeEvents());
  out->pipeline_ = std::move(*pipeline);
  out->logger_ = logger;
  std::string names;
  for (const auto& e : out->pipeline_->endpoints()) names += (names.empty() ? "" : ",") + e.name;
  api::log_json(*logger, spdlog::level::info,
                api::json_log_line(
                    "info", "events pipeline started",
                    {{"outbox", outbox_path(config, data_dir).string()}, {"webhooks", names}}));
  return out;
}

store::ObjectChangeListener ServeEvents::store_listener() {
  return [pipeline = pipeline_.get(), logger = logger_](const store::ObjectChange& change) {
    auto published = pipeline->publish(events::to_event(change));
    if (!published) {
      api::log_json(*logger, spdlog::level::err,
                    api::json_log_line("error", "cannot record a storage event",
                                       {{"bucket", change.bucket},
                                        {"key", change.key},
                                        {"event", change.event_name},
                                        {"reason", published.error().message}}));
    }
  };
}

void ServeEvents::stop(std::chrono::milliseconds grace) {
  if (pipeline_) pipeline_->stop(grace);
}

}  // namespace upgate::cli
