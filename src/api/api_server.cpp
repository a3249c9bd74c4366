// The upload API's HTTP layer: routes, preflights, health and metrics; the URL routes go
// through the request pipeline.
#include "upgate/api/api_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/awaitable.hpp>

#include "upgate/api/completion_routes.hpp"
#include "upgate/api/cors_policy.hpp"
#include "upgate/api/demo_page.hpp"
#include "upgate/api/json_log.hpp"
#include "upgate/api/multipart_routes.hpp"
#include "upgate/api/request_pipeline.hpp"
#include "upgate/api/upload_request.hpp"
#include "upgate/api/upload_service.hpp"
#include "upgate/api/uppy_routes.hpp"
#include "upgate/http/router.hpp"
#include "upgate/http/static_files.hpp"

namespace upgate::api {
namespace {

using boost::asio::awaitable;
using http::Exchange;
using http::Method;
using http::Response;

constexpr std::string_view kSeedPath = "/api/s3/getPresignedUrl";
constexpr std::string_view kUploadsPath = "/v1/uploads";
constexpr std::string_view kDownloadsPath = "/v1/downloads";

Response json_response(int status, std::string body) {
  Response response = Response::json(status, std::move(body));
  response.add_header("Cache-Control", "no-store");
  response.add_header("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace

struct ApiServer::State {
  // A copy of the first configuration, for the server settings (not reloadable). A copy,
  // not the first runtime: holding that would keep its authenticators, and its JWKS
  // refresher thread, alive after a reload has replaced it.
  const ApiConfig config;
  ApiServerOptions options;
  ApiMetrics metrics;
  std::unique_ptr<ApiLimiter> limiter;  // before the pipeline, which asks it
  RequestPipeline pipeline;
  http::Router router;
  std::unique_ptr<http::InMemoryFiles> demo;
  std::unique_ptr<http::Server> server;
  std::atomic<bool> stopping{false};

  State(std::shared_ptr<const ApiRuntime> runtime, ApiServerOptions o)
      : config(runtime->config()),
        options(std::move(o)),
        metrics(profile_names(runtime->config().profiles)),
        limiter(ApiLimiter::create(runtime->config(), options.logger)),
        pipeline(std::move(runtime), metrics,
                 RequestPipeline::Logs{options.logger, config.log.access_log, config.log.audit}) {
    pipeline.set_limiter(limiter.get());
  }

  static std::vector<std::string> profile_names(const ProfileSet& profiles) {
    std::vector<std::string> names;
    for (const UploadProfile& p : profiles.profiles()) names.push_back(p.name);
    return names;
  }

  void log(spdlog::level::level_enum level, std::string_view line) const {
    if (options.logger) log_json(*options.logger, level, line);
  }

  awaitable<void> upload(Exchange& ex, UploadRoute route) {
    ApiCall call =
        pipeline.begin(ex, route == UploadRoute::seed ? ApiRoute::seed : ApiRoute::uploads);
    const UploadService& service = call.runtime->service();
    auto body = co_await pipeline.read_json_body(ex, call);
    if (!body) co_return;
    auto request = service.read_upload(route, ex.request().header("Content-Type"), *body);
    if (!request) {
      co_await pipeline.answer(ex, call, std::move(request).error());
      co_return;
    }
    call.intent = upload_intent(call.intent.route, *request,
                                route == UploadRoute::seed ? "folderName" : "profile");
    if (auto admitted = co_await pipeline.admit(ex, call); !admitted) {
      co_await pipeline.answer(ex, call, std::move(admitted).error());
      co_return;
    }
    co_await pipeline.answer(ex, call,
                             service.presign_upload(route, *request, call.profile, *call.caller,
                                                    options.upload_tokens.get()));
  }

  awaitable<void> download(Exchange& ex) {
    ApiCall call = pipeline.begin(ex, ApiRoute::downloads);
    const UploadService& service = call.runtime->service();
    auto key = service.read_download(ex.request().query());
    if (!key) {
      co_await pipeline.answer(ex, call, std::move(key).error());
      co_return;
    }
    call.intent.key = *key;
    call.intent.profile_field = "key";
    if (auto admitted = co_await pipeline.admit(ex, call); !admitted) {
      co_await pipeline.answer(ex, call, std::move(admitted).error());
      co_return;
    }
    co_await pipeline.answer(ex, call,
                             service.presign_download(std::move(*key), call.profile, *call.caller));
  }

  awaitable<void> preflight(Exchange& ex, std::string_view allowed_method) {
    const http::Request& request = ex.request();
    const auto origin = request.header("Origin");
    const auto method = request.header("Access-Control-Request-Method");
    if (!origin || !method) {
      // A plain OPTIONS, not a CORS preflight.
      Response response(204);
      response.add_header("Allow", std::string(allowed_method) + ", OPTIONS");
      co_await ex.respond(response);
      co_return;
    }
    const CorsPolicy& cors = pipeline.runtime()->cors();
    const auto verdict = cors.check_preflight(
        *origin, *method, request.header("Access-Control-Request-Headers"), allowed_method);
    if (verdict != CorsPolicy::PreflightResult::allowed) {
      std::string_view why = verdict == CorsPolicy::PreflightResult::origin_refused
                                 ? "this origin is not allowed to call the API"
                             : verdict == CorsPolicy::PreflightResult::method_refused
                                 ? "this method is not served here"
                                 : "a requested header is not one the API reads";
      ApiReply reply = UploadService::error_reply(
          ErrorStyle::v1, make_error(ErrorCode::origin_not_allowed, std::string(why)));
      metrics.record_rejection(ErrorCode::origin_not_allowed);
      co_await ex.respond(json_response(reply.status, std::move(reply.body)));
      co_return;
    }
    Response response(204);
    cors.apply_preflight(*origin, allowed_method, response);
    co_await ex.respond(response);
  }

  awaitable<void> fallback(Exchange& ex) {
    const Method method = ex.request().method();
    if (demo && (method == Method::get || method == Method::head)) {
      co_await demo->serve(ex);
      co_return;
    }
    ex.set_route_name("not_found");
    ApiReply reply = UploadService::error_reply(ErrorStyle::v1,
                                                make_error(ErrorCode::not_found, "no such route"));
    co_await ex.respond(json_response(reply.status, std::move(reply.body)));
  }

  // /readyz's answer: 200, or 503 with the reason a load balancer's operator wants to see.
  Response readiness() const {
    if (stopping.load(std::memory_order_relaxed) || server->draining()) {
      return json_response(503, R"({"status":"not ready","reason":"shutting_down"})");
    }
    const auto runtime = pipeline.runtime();
    if (runtime->credentials() != nullptr &&
        !runtime->credentials()->usable(
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()))) {
      return json_response(503, R"({"status":"not ready","reason":"credentials_unavailable"})");
    }
    if (options.ready && !options.ready()) {
      return json_response(503, R"({"status":"not ready","reason":"dependency_unavailable"})");
    }
    return json_response(200, R"({"status":"ready"})");
  }

  void observe(const http::RequestRecord& record) {
    metrics.record_request(metric_route_from_name(record.route), record.status, record.duration);
    if (!options.logger || !options.logger->should_log(spdlog::level::info) ||
        !config.log.access_log) {
      return;
    }
    const auto note = take_access_note(record.request_id);
    AccessDetails details;
    if (note) details = {note->profile, note->key, note->error, note->remote};
    if (record.route == "storage_events_path") {
      // The path holds the events secret: never in a log line.
      http::RequestRecord redacted = record;
      redacted.path = "/v1/events/s3/<secret>";
      log_json(*options.logger, spdlog::level::info, format_access_line(redacted, details));
      return;
    }
    http::RequestRecord shown = record;
    std::string path;
    shown.path = loggable_path(record.path, path);
    log_json(*options.logger, spdlog::level::info, format_access_line(shown, details));
  }

  void build_routes() {
    auto post_route = [this](UploadRoute route) {
      return [this, route](Exchange& ex) { return upload(ex, route); };
    };
    router.exact(Method::post, std::string(kSeedPath), post_route(UploadRoute::seed),
                 "seed_presign");
    router.exact(Method::post, std::string(kUploadsPath), post_route(UploadRoute::v1), "uploads");
    router.exact(
        Method::get, std::string(kDownloadsPath), [this](Exchange& ex) { return download(ex); },
        "downloads");
    for (auto [path, method] : {std::pair{kSeedPath, std::string_view("POST")},
                                std::pair{kUploadsPath, std::string_view("POST")},
                                std::pair{kDownloadsPath, std::string_view("GET")}}) {
      router.exact(
          Method::options, std::string(path),
          [this, method = method](Exchange& ex) { return preflight(ex, method); }, "preflight");
    }
    if (!options.upload_tokens) {
      options.upload_tokens =
          std::make_shared<const UploadTokenSigner>(UploadTokenSigner::ephemeral());
    }
    std::shared_ptr<const UploadVerifier> verifier = options.verifier;
    if (!verifier) {
      std::string libmagic_error;
      verifier = UploadVerifier::load(options.events, libmagic_error);
      if (!libmagic_error.empty()) {
        log(spdlog::level::warn,
            json_log_line("warn",
                          "libmagic could not be loaded: completions that check content "
                          "answer 503 verification_unavailable",
                          {{"reason", libmagic_error}}));
      }
    }
    auto preflight_for = [this](Exchange& ex, std::string_view method) {
      return preflight(ex, method);
    };
    add_multipart_routes(router, pipeline, options.upload_tokens, preflight_for, verifier);
    add_completion_routes(router, pipeline, options.upload_tokens, verifier, preflight_for);
    add_uppy_routes(router, pipeline, options.upload_tokens, preflight_for, verifier);
    router.exact(
        Method::get, "/healthz",
        [](Exchange& ex) -> awaitable<void> {
          co_await ex.respond(json_response(200, R"({"status":"ok"})"));
        },
        "healthz");
    router.exact(
        Method::get, "/readyz",
        [this](Exchange& ex) -> awaitable<void> { co_await ex.respond(readiness()); }, "readyz");
    router.exact(
        Method::get, "/metrics",
        [this](Exchange& ex) -> awaitable<void> {
          Response response(200);
          std::string page = metrics.render();
          if (limiter) page += limiter->render_metrics();
          if (server) {
            const auto refused = server->refused_connections();
            page +=
                "# HELP upgate_http_connections_refused_total Connections closed by the "
                "connection caps.\n# TYPE upgate_http_connections_refused_total counter\n"
                "upgate_http_connections_refused_total{reason=\"listener\"} " +
                std::to_string(refused.listener) +
                "\nupgate_http_connections_refused_total{reason=\"client\"} " +
                std::to_string(refused.client) + "\n";
          }
          if (options.extra_metrics) page += options.extra_metrics();
          response.set_body(std::move(page), "text/plain; version=0.0.4; charset=utf-8");
          response.add_header("Cache-Control", "no-store");
          co_await ex.respond(response);
        },
        "metrics");
    if (config.demo_page) {
      demo =
          std::make_unique<http::InMemoryFiles>(demo_page_files(config), demo_page_options(config));
    }
    if (options.storage_events) {
      auto handler = storage_events_handler(options.storage_events);
      router.exact(Method::post, std::string(kStorageEventsPath), handler, "storage_events");
      router.prefix(Method::post, std::string(kStorageEventsPath) + "/", handler,
                    "storage_events_path");
    }
    router.fallback([this](Exchange& ex) { return fallback(ex); }, "demo");
  }
};

Expected<std::unique_ptr<ApiServer>, http::ServerError> ApiServer::create(
    std::shared_ptr<const ApiRuntime> runtime, ApiServerOptions options) {
  auto state = std::make_unique<State>(std::move(runtime), std::move(options));
  const ApiConfig& config = state->config;
  state->build_routes();
  http::ServerConfig server_config = state->options.http;
  server_config.address = config.listen_host;
  server_config.port = config.listen_port;
  server_config.threads = config.threads;
  server_config.drain_period = config.drain_period;
  // Only API bodies are read, and they are bounded far lower by the handlers.
  server_config.body_limit = kMaxRequestBodyBytes;
  // Slow clients and connection caps; beyond a cap the client hears 503 in the API's words.
  config.clients.apply(server_config);
  server_config.answer_over_capacity = true;
  if (!server_config.error_renderer) {
    server_config.error_renderer = [](const http::RefusalContext& refusal) {
      if (refusal.refusal != http::Refusal::over_capacity) {
        return http::Response::status_only(refusal.status);
      }
      ApiReply reply = UploadService::error_reply(
          ErrorStyle::v1, make_error(ErrorCode::too_many_connections,
                                     "too many connections at once; retry in a moment"));
      return json_response(reply.status, std::move(reply.body));
    };
  }
  server_config.tls = config.tls;
  if (config.tls && config.https.hsts_max_age.count() > 0) {
    server_config.fixed_headers +=
        "Strict-Transport-Security: max-age=" + std::to_string(config.https.hsts_max_age.count()) +
        "\r\n";
  }
  State* raw = state.get();
  auto server =
      http::Server::create(server_config, raw->router.handler(),
                           [raw](const http::RequestRecord& record) { raw->observe(record); });
  if (!server) return Unexpected(std::move(server).error());
  state->server = std::move(*server);
  http::Server* srv = state->server.get();
  state->metrics.set_open_connections_source([srv] { return srv->open_connections(); });
  srv->on_drain([raw] {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(raw->server->config().drain_period);
    raw->log(spdlog::level::info,
             json_log_line("info", "draining: /readyz answers 503, stopping after the drain",
                           {{"drain_seconds", std::to_string(seconds.count())}}));
  });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(state)));
}

ApiServer::ApiServer(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
ApiServer::~ApiServer() = default;

std::uint16_t ApiServer::port() const noexcept {
  return state_->server->port();
}
void ApiServer::run() {
  state_->server->run();
}
void ApiServer::stop() noexcept {
  state_->stopping.store(true);
  state_->server->stop();
}
void ApiServer::drain() noexcept {
  state_->server->drain();
}
void ApiServer::stop_on_signals() {
  state_->server->stop_on_signals();
}
ApiMetrics& ApiServer::metrics() noexcept {
  return state_->metrics;
}
std::shared_ptr<const ApiRuntime> ApiServer::runtime() const noexcept {
  return state_->pipeline.runtime();
}
void ApiServer::replace_runtime(std::shared_ptr<const ApiRuntime> runtime) {
  // Profiles the new configuration adds get their metric rows before any request sees it.
  state_->metrics.add_profiles(State::profile_names(runtime->config().profiles));
  state_->pipeline.replace_runtime(std::move(runtime));
}
http::Server& ApiServer::http_server() noexcept {
  return *state_->server;
}
http::Handler ApiServer::handler() const {
  return state_->router.handler();
}

}  // namespace upgate::api
