#include "serve_events.hpp"

#include <spdlog/spdlog.h>

#include "upgate/api/json_log.hpp"
#include "upgate/api/webhook_metrics.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/events/store_notifications.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::cli {

std::filesystem::path outbox_path(const api::EventsSettings& config,
                                  const std::filesystem::path& data_dir) {
  if (!config.events.outbox.empty()) return config.events.outbox;
  return data_dir / "events.db";
}

std::vector<std::string> events_route_secrets(std::string_view value) {
  std::vector<std::string> secrets;
  std::string_view rest = value;
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \t");
    secrets.emplace_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  return secrets;
}

namespace {

// A bounded GET for SNS: its certificates and its SubscribeURL.
Expected<std::string, std::string> https_get(const std::string& url, std::size_t max_bytes) {
  s3client::HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.connect_timeout = std::chrono::seconds(5);
  request.total_timeout = std::chrono::seconds(10);
  request.max_response_body = max_bytes;
  auto answer = s3client::perform(request);
  if (!answer) return Unexpected(answer.error().message);
  if (answer->status != 200) return Unexpected("HTTP " + std::to_string(answer->status));
  if (answer->body_truncated) return Unexpected(std::string("the answer is too large"));
  return std::move(answer->body);
}

Expected<std::shared_ptr<api::StorageEventsRoute>, ServeEventsError> make_storage_events_route(
    const api::EventsSettings& config, const config::Environment& environment,
    api::EventBatchSink report) {
  const std::string field = "events.secret_env";
  auto value = environment.get(config.events.secret_env);
  if (!value || value->empty()) {
    return Unexpected(ServeEventsError{
        true, field + ": the variable " + config.events.secret_env + " is not set"});
  }
  events::StorageEventsIngestOptions options;
  options.secrets = events_route_secrets(*value);
  events::SnsVerifierOptions sns;
  if (!config.events.sns_cert_hosts.empty()) sns.cert_host_patterns = config.events.sns_cert_hosts;
  sns.allowed_topic_arns = config.events.sns_topic_arns;
  sns.trusted_ca_file = config.events.sns_ca_file;
  sns.require_signature_version_2 = true;
  const std::size_t max_cert = sns.max_certificate_bytes;
  auto verifier = events::SnsVerifier::create(
      std::move(sns), [max_cert](const std::string& url) { return https_get(url, max_cert); });
  if (!verifier) return Unexpected(ServeEventsError{true, "events: " + verifier.error()});
  options.sns = std::move(*verifier);
  options.confirm = [](const std::string& url) -> Expected<void, std::string> {
    auto got = https_get(url, 64 * 1024);
    if (!got) return Unexpected(std::move(got).error());
    return {};
  };
  auto ingest = events::StorageEventsIngest::create(std::move(options));
  if (!ingest) return Unexpected(ServeEventsError{true, field + ": " + ingest.error()});
  auto route = std::make_shared<api::StorageEventsRoute>(
      api::StorageEventsRoute{std::move(*ingest), std::move(report)});
  return route;
}

}  // namespace

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
  api::EventSink publish = [pipeline = out->pipeline_.get()](const events::Event& event) {
    return pipeline->publish(event);
  };
  std::string libmagic_error;
  out->verifier_ = api::UploadVerifier::load(publish, libmagic_error);
  if (!libmagic_error.empty()) {
    api::log_json(*logger, spdlog::level::warn,
                  api::json_log_line("warn",
                                     "libmagic could not be loaded: uploads whose profile "
                                     "checks content cannot be verified",
                                     {{"reason", libmagic_error}}));
  }
  out->reports_ = std::make_shared<api::ReportedUploadVerifier>(
      out->verifier_, *out->pipeline_, logger, config.events.max_pending_reports);
  api::EventBatchSink report = [reports = out->reports_](std::span<const events::Event> reported) {
    return reports->report_all(reported);
  };
  if (!config.events.secret_env.empty()) {
    auto route = make_storage_events_route(config, environment, report);
    if (!route) return Unexpected(std::move(route).error());
    out->route_ = std::move(*route);
  }
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
  return [reports = reports_, logger = logger_](const store::ObjectChange& change) {
    auto published = reports->report(events::to_event(change));
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

void ServeEvents::use_runtime(api::ReportedUploadVerifier::RuntimeSource current) {
  reports_->use_runtime(std::move(current));
}

std::string ServeEvents::render_metrics() const {
  const auto now = std::chrono::system_clock::now();
  std::string out = api::render_webhook_metrics(pipeline_->figures(), now);
  if (reports_) out += api::render_storage_report_metrics(reports_->figures(), now);
  return out;
}

void ServeEvents::stop_reports() {
  if (reports_) reports_->stop();
}

void ServeEvents::stop(std::chrono::milliseconds grace) {
  // Reports not verified yet stay in the outbox for the next start.
  if (reports_) reports_->stop();
  if (pipeline_) pipeline_->stop(grace);
}

}  // namespace upgate::cli
