// upgate::api::ApiServer: the upload API on upgate_http — routes, CORS, logs, metrics.
//
// Routes:
//   POST /api/s3/getPresignedUrl   the seed's contract          (+ OPTIONS preflight)
//   POST /v1/uploads               the full form                (+ OPTIONS preflight)
//   GET  /v1/downloads?key=...     presigned GET                (+ OPTIONS preflight)
//   POST /v1/events/s3[/<secret>]  storage reports objects (storage_events_route.hpp),
//                                  when ApiServerOptions::storage_events is set
//   POST /v1/multipart[/...]       multipart uploads (multipart_routes.hpp)
//   POST /v1/uploads/complete      verify an upload, tell the app (completion_routes.hpp)
//   GET  /healthz                  the process answers
//   GET  /readyz                   ready to serve (the `ready` hook agrees, not draining
//                                  or stopping); 503 with a reason otherwise
//   GET  /metrics                  Prometheus text (ApiMetrics, then extra_metrics)
//   GET  /, /*                     the demo page (web/, compiled in), when enabled
// API answers are JSON with Cache-Control: no-store; request bodies are bounded to
// 16 KiB (413 with a JSON error beyond). The three URL routes go through the request
// pipeline (request_pipeline.hpp): one runtime snapshot per request, authentication, the
// profile's rules, signing, an audit line.
//
// The server serves from an ApiRuntime (api_runtime.hpp); replace_runtime() swaps in
// another (a reloaded configuration) without stopping. The listen address, threads, drain
// period, demo page (demo_page.hpp) and log switches are the first configuration's: they
// are not reloadable.
//
// Seam for `upgate serve` with the embedded store: create() binds the API's port and
// returns; run() serves on the caller's thread plus config.threads - 1 more, and
// returns after stop() has drained in-flight requests. drain() (or the first signal
// after stop_on_signals()) turns /readyz to 503 at once and keeps serving, with
// Connection: close, for the ApiConfig's drain_period before it stops (see
// http::Server::drain()), so a load balancer takes this copy out of rotation before it
// stops accepting. A caller running the store too runs each server on its own thread(s)
// and stops both; `ready` lets /readyz wait for the store. handler() exposes the same
// routes as an http::Handler for mounting the API on a server of the caller's choosing.
// With ApiConfig::tls the API speaks HTTPS only; with https.hsts_max_age too, every answer
// carries Strict-Transport-Security.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "upgate/api/api_runtime.hpp"
#include "upgate/api/event_sink.hpp"
#include "upgate/api/metrics.hpp"
#include "upgate/api/storage_events_route.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/api/upload_verifier.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/server.hpp"

namespace spdlog {
class logger;
}

namespace upgate::api {

struct ApiServerOptions {
  std::shared_ptr<spdlog::logger> logger;  // null: no logs at all
  std::function<bool()> ready;             // null: always ready
  http::ServerConfig http;                 // address/port/threads are taken from ApiConfig
  // Signs and checks the upload tokens of /v1/multipart; null: a random secret of this
  // process (its tokens are refused by any other copy and after a restart).
  std::shared_ptr<const UploadTokenSigner> upload_tokens;
  // POST /v1/events/s3[/<secret>] (storage_events_route.hpp); null: the route is off.
  std::shared_ptr<const StorageEventsRoute> storage_events;
  // Where POST /v1/uploads/complete (and multipart complete) record upload.completed and
  // upload.rejected (event_sink.hpp); empty: verified, but no event is recorded.
  EventSink events;
  // Verifies completions; null: one is made here with `events` and libmagic. `upgate serve`
  // passes the one its storage reports are verified with (reported_upload_verifier.hpp).
  std::shared_ptr<const UploadVerifier> verifier;
  // More Prometheus text appended to GET /metrics (`upgate serve` gives the webhooks',
  // webhook_metrics.hpp); null: none. Called on an I/O thread: it must not block (no disk,
  // no network, no lock held by slow work).
  std::function<std::string()> extra_metrics;
};

class ApiServer {
 public:
  // /readyz is 503 (reason credentials_unavailable) while the runtime's refreshing
  // credentials cannot sign a URL of useful length.
  static Expected<std::unique_ptr<ApiServer>, http::ServerError> create(
      std::shared_ptr<const ApiRuntime> runtime, ApiServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  std::uint16_t port() const noexcept;
  void run();
  void stop() noexcept;
  // Readiness down now, stop() after the drain period. Thread-safe, idempotent.
  void drain() noexcept;
  // First SIGINT/SIGTERM: drain(); the next: stop().
  void stop_on_signals();

  ApiMetrics& metrics() noexcept;
  std::shared_ptr<const ApiRuntime> runtime() const noexcept;
  // Requests that start after this use `runtime`; those in flight finish with theirs. The
  // server keeps no other reference to the runtime it replaces. Profiles it names for the
  // first time are added to the metrics (ApiMetrics::add_profiles).
  void replace_runtime(std::shared_ptr<const ApiRuntime> runtime);
  // The listener itself, for what `upgate serve` wires to it: TLS reloads, SIGHUP.
  http::Server& http_server() noexcept;
  // The routes as a handler; valid while this server lives.
  http::Handler handler() const;

  struct State;

 private:
  explicit ApiServer(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

}  // namespace upgate::api
