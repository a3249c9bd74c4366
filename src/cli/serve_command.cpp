// `upgate serve`: the upload API and, with no S3 endpoint configured, the embedded store.
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "serve_events.hpp"
#include "serve_reload.hpp"
#include "serve_runtime.hpp"
#include "serve_store.hpp"
#include "tls_files.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/api_runtime.hpp"
#include "upgate/api/api_server.hpp"
#include "upgate/api/events_config.hpp"
#include "upgate/api/json_log.hpp"
#include "upgate/config/refreshing_credentials.hpp"
#include "upgate/http/https_redirect.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/store/embedded_store.hpp"
#include "upgate/text.hpp"

namespace upgate::cli {
namespace {

struct ServeOptions {
  api::ApiFlags flags;
  bool path_style = false;
  bool virtual_hosted = false;
  bool no_access_log = false;
  bool no_demo = false;
  ServeStoreFlags store;
};

constexpr const char* kUploadTokenSecretsVariable = "UPGATE_UPLOAD_TOKEN_SECRETS";

constexpr const char* kServeHelp =
    "Serve the upload API: POST /api/s3/getPresignedUrl (the seed's contract), POST /v1/uploads,\n"
    "GET /v1/downloads, /healthz, /readyz, /metrics and the demo page.\n"
    "\n"
    "Configuration, highest precedence first: flags > UPGATE_* variables > upgate.toml\n"
    "(--config / UPGATE_CONFIG) > AWS_* variables > the AWS shared files > defaults.\n"
    "A bad value stops start-up with a message naming the field (exit code 2).\n"
    "\n"
    "Environment:\n"
    "  AWS_S3_BUCKET_NAME            bucket (default: uploads)\n"
    "  AWS_REGION, AWS_DEFAULT_REGION  signing region (default: us-east-1)\n"
    "  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION\n"
    "                                credentials; else the profile's keys or credential_process.\n"
    "                                Temporary ones cap each URL's lifetime and are re-resolved\n"
    "                                before they expire; a changed shared file is re-read.\n"
    "  AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL  S3 endpoint (path-style unless told otherwise);\n"
    "                                with none, the embedded store at http://127.0.0.1:9000\n"
    "  AWS_PROFILE, AWS_DEFAULT_PROFILE  profile of ~/.aws/credentials and ~/.aws/config\n"
    "  AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE  other locations for those files\n"
    "  UPGATE_CONFIG, UPGATE_LISTEN, UPGATE_THREADS, UPGATE_DRAIN_SECONDS, UPGATE_S3_ENDPOINT,\n"
    "  UPGATE_S3_REGION, UPGATE_S3_BUCKET, UPGATE_CORS_ORIGINS (comma-separated),\n"
    "  UPGATE_LOG_LEVEL, UPGATE_ACCESS_LOG (on/off), UPGATE_TLS_CERT, UPGATE_TLS_KEY,\n"
    "  UPGATE_STORE_TLS_CERT, UPGATE_STORE_TLS_KEY, UPGATE_STORE_DOMAIN, UPGATE_HTTP_REDIRECT\n"
    "                                the same as the flags below\n"
    "  UPGATE_UPLOAD_TOKEN_SECRETS   secrets (32+ bytes each, space-separated, the signing one\n"
    "                                first) for multipart upload tokens; unset: one random\n"
    "                                secret per process\n"
    "\n"
    "TLS: --tls-cert/--tls-key ([server.tls] cert, key) serve the API over HTTPS only;\n"
    "--store-tls-cert/--store-tls-key ([store.tls]) the embedded store, whose URLs are then\n"
    "https://. PEM, the chain leaf first; TLS 1.2 and 1.3 (Mozilla intermediate), ALPN\n"
    "http/1.1. SIGHUP (systemctl reload) reloads both pairs, and a change of the files is\n"
    "noticed within watch_seconds (default 10); a bad new pair is logged and the old kept.\n"
    "--store-domain DOMAIN ([store] domain) lets the store answer BUCKET.DOMAIN too, and the\n"
    "URLs become virtual-hosted, https://BUCKET.DOMAIN:PORT/KEY: DNS must point *.DOMAIN at\n"
    "the store and its certificate cover *.DOMAIN (a wildcard); --path-style keeps\n"
    "https://DOMAIN:PORT/BUCKET/KEY.\n"
    "[server.tls] hsts_max_age = N adds Strict-Transport-Security (default 0: off).\n"
    "--http-redirect HOST:PORT ([server] http_redirect) also listens on plain HTTP and answers\n"
    "every request there 308 to the same host and path on https:// (default: off).\n"
    "\n"
    "Upload profiles live in upgate.toml (see upgate.example.toml and docs/API.md). Without\n"
    "one, any folder name of safe characters is accepted, any type, up to 5 MB, URLs valid\n"
    "300 s: the seed's behaviour. Logs: one JSON object per line on stdout.\n"
    "\n"
    "Who may get URLs: [auth] in upgate.toml (docs/auth.md). Without it the API is open, and\n"
    "serve refuses to listen anywhere but loopback unless allow_anonymous = true.\n"
    "\n"
    "Reloading: SIGHUP re-reads upgate.toml (profiles, CORS, [auth] and its keys) and swaps\n"
    "it in whole; a file start-up would refuse is refused whole, logged, and the running\n"
    "configuration stays. The same SIGHUP loads the certificate pairs again, whatever the\n"
    "file's outcome. `upgate check-config` runs the same checks.\n"
    "\n"
    "Stopping: the first SIGTERM/SIGINT turns /readyz to 503 at once and serves on, with\n"
    "Connection: close, for --drain-seconds so a load balancer moves traffic away; then\n"
    "new connections are refused and requests in flight get up to 10 s to finish. A second\n"
    "signal skips the rest of the drain.\n"
    "Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 when the port cannot be bound\n"
    "or the embedded store cannot start (port in use, data directory locked), 2 for a bad\n"
    "configuration.";

// The embedded store is the default target; until it runs in this process with
// credentials of its own, URLs are signed with a random key pair made at start-up.
sigv4::Credentials ephemeral_credentials() {
  std::uint8_t id[10];
  std::uint8_t secret[30];
  if (RAND_bytes(id, sizeof id) != 1 || RAND_bytes(secret, sizeof secret) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  sigv4::Credentials credentials;
  credentials.access_key_id = "UPGATE" + sigv4::hex(std::span<const std::uint8_t>(id));
  for (char& c : credentials.access_key_id) c = text::to_upper(c);
  credentials.secret_access_key =
      sigv4::SecretKey(sigv4::base64_encode(std::span<const std::uint8_t>(secret)));
  return credentials;
}

std::string expiry_text(std::optional<std::chrono::sys_seconds> expiration) {
  return expiration ? sigv4::format_iso8601(*expiration) : std::string("never");
}

// What URLs are signed with when they go to an S3 outside this process: the credentials
// found at start-up, re-resolved in the background before they expire (a role session,
// SSO, a credential_process) or when the shared files change (rotated keys). Null for the
// embedded store, whose key this process decides. Log lines name the access key id and
// the source, never a secret.
std::shared_ptr<config::RefreshingCredentials> signing_credentials(
    const api::ApiConfig& config, const std::shared_ptr<spdlog::logger>& logger) {
  if (config.s3.embedded || !config.s3.credentials_provider) return nullptr;
  auto on_event = [logger](const config::CredentialsEvent& event) {
    if (event.kind == config::CredentialsEvent::Kind::refreshed) {
      api::log_json(*logger, spdlog::level::info,
                    api::json_log_line("info", "credentials refreshed",
                                       {{"reason", event.reason},
                                        {"access_key_id", event.access_key_id},
                                        {"expires", expiry_text(event.expiration)},
                                        {"source", event.source}}));
    } else {
      api::log_json(
          *logger, spdlog::level::warn,
          api::json_log_line("warn",
                             "credentials refresh failed; signing on with "
                             "the current ones until they expire",
                             {{"reason", event.reason},
                              {"error", event.error},
                              {"retry_in_seconds", std::to_string(event.retry_in.count())},
                              {"current_expires", expiry_text(event.current_expiration)}}));
    }
  };
  auto credentials = std::make_shared<config::RefreshingCredentials>(
      config.s3.credentials_provider,
      config::AwsCredentials{config.s3.credentials, config.s3.credentials_expiration,
                             config.s3.credentials_source},
      config::RefreshingCredentials::Clock{}, config::RefreshTiming{}, std::move(on_event));
  if (config.s3.credentials_expiration) {
    const bool fixed = config.s3.credentials_provider->fixed();
    api::log_json(*logger, fixed ? spdlog::level::warn : spdlog::level::info,
                  api::json_log_line(fixed ? "warn" : "info",
                                     fixed ? "temporary credentials from the environment: URLs "
                                             "expire with them, and only a restart renews them"
                                           : "temporary credentials: URLs expire with them, "
                                             "refreshed before they do",
                                     {{"access_key_id", config.s3.credentials.access_key_id},
                                      {"expires", expiry_text(config.s3.credentials_expiration)},
                                      {"source", config.s3.credentials_source}}));
  }
  credentials->start();
  return credentials;
}

int run_serve(ServeOptions& options) {
  block_reload_signal();  // before any thread starts: SIGHUP waits for the reloader
  if (options.path_style) options.flags.path_style = true;
  if (options.virtual_hosted) options.flags.path_style = false;
  if (options.no_access_log) options.flags.access_log = false;
  if (options.no_demo) options.flags.demo_page = false;

  auto loaded = api::load_api_config(config::Environment::process(), options.flags);
  if (!loaded) {
    std::cerr << "upgate serve: " << loaded.error().describe() << '\n';
    return kExitUsage;
  }
  api::ApiConfig& config = *loaded;

  auto logger = api::make_json_logger(config.log.level, STDOUT_FILENO);
  // Stops before serving: one error line in the log, one on stderr, the exit code.
  const auto stop_with = [&logger](std::string_view what, const std::string& message, int code) {
    api::log_json(*logger, spdlog::level::err,
                  api::json_log_line("error", what, {{"reason", message}}));
    logger->flush();
    spdlog::shutdown();
    std::cerr << "upgate serve: " << message << '\n';
    return code;
  };
  const auto refuse = [&stop_with](std::string_view what, const std::string& message) {
    return stop_with(what, message, kExitUsage);
  };

  // The open API only where nobody else can reach it, unless allowed on purpose; then the
  // authenticators, before anything listens: a bad keys file or JWKS file stops here.
  auto listeners = checked_listeners(config, options.store);
  if (!listeners) return refuse(listeners.error().what, listeners.error().message);
  auto auth = build_auth_chain(config, logger, true);
  if (!auth) return refuse(auth.error().what, auth.error().message);
  // Upload tokens (multipart): the shared secrets when configured, so every copy behind a
  // load balancer accepts the others' tokens; else one random secret for this process.
  std::shared_ptr<const api::UploadTokenSigner> upload_tokens;
  s3client::http_client_global_init();  // the multipart routes' S3 calls
  if (config::Environment::process().get(kUploadTokenSecretsVariable)) {
    auto signer = api::UploadTokenSigner::from_environment(config::Environment::process(),
                                                           kUploadTokenSecretsVariable);
    if (!signer) return refuse("bad configuration", signer.error());
    upload_tokens = std::make_shared<const api::UploadTokenSigner>(std::move(*signer));
  } else {
    api::log_json(*logger, spdlog::level::warn,
                  api::json_log_line("warn",
                                     "no upload token secret: multipart uploads are bound to this "
                                     "process (set UPGATE_UPLOAD_TOKEN_SECRETS to share them)",
                                     {}));
  }
  log_auth_posture(config, loopback_only(*listeners), *logger);

  // When config.s3.embedded is true nothing outside this process was configured: the
  // store starts here, before the API, and hands it its endpoint and signing key
  // (serve_store.hpp); if it cannot, serve stops before issuing a URL. Only with
  // --no-store are URLs signed with an ephemeral key pair, unless credentials were
  // configured.
  // Events first: the store's listener writes to their outbox (serve_events.hpp).
  auto events_settings = api::load_events_settings(config.config_path);
  if (!events_settings) {
    std::cerr << "upgate serve: " << events_settings.error().describe() << '\n';
    return kExitUsage;
  }
  auto started_events = ServeEvents::start(*events_settings, serve_data_dir(options.store), logger);
  if (!started_events) {
    api::log_json(*logger, spdlog::level::err,
                  api::json_log_line("error", "cannot start the events pipeline",
                                     {{"reason", started_events.error().message}}));
    logger->flush();
    spdlog::shutdown();
    std::cerr << "upgate serve: " << started_events.error().message << '\n';
    return started_events.error().usage ? kExitUsage : kExitFailure;
  }
  std::unique_ptr<ServeEvents> serve_events = std::move(*started_events);
  auto started_store = ServeStore::start(
      config, options.store, logger,
      serve_events ? serve_events->store_listener() : store::ObjectChangeListener{});
  if (!started_store) {
    return stop_with("cannot start the embedded store", started_store.error().message,
                     started_store.error().usage ? kExitUsage : kExitFailure);
  }
  std::unique_ptr<ServeStore> embedded_store = std::move(*started_store);
  const bool generated_credentials = config.s3.embedded && !config.s3.credentials.valid();
  if (generated_credentials) config.s3.credentials = ephemeral_credentials();

  api::ApiServerOptions server_options;
  server_options.logger = logger;
  if (serve_events) server_options.storage_events = serve_events->storage_events_route();
  server_options.upload_tokens = std::move(upload_tokens);
  if (serve_events) {
    // Completions record upload.completed / upload.rejected in the same outbox.
    events::EventPipeline* pipeline = &serve_events->pipeline();
    server_options.events = [pipeline](const events::Event& event) {
      return pipeline->publish(event);
    };
    server_options.verifier = serve_events->verifier();
    // The webhooks' figures on /metrics: atomics the deliverer keeps, no SQLite on the I/O
    // thread (webhook_metrics.hpp).
    server_options.extra_metrics = [serving = serve_events.get()] {
      return serving->render_metrics();
    };
  }
  const auto credentials = signing_credentials(config, logger);
  auto server = api::ApiServer::create(
      api::ApiRuntime::create(config, std::move(*auth), credentials), std::move(server_options));
  if (!server) {
    return stop_with("cannot listen", server.error().message,
                     server.error().code == http::ServerErrorCode::tls ? kExitUsage : kExitFailure);
  }
  // Storage reports are screened by the profiles the API serves now (a reload's included).
  // The worker that reads the server's runtime stops before the server goes, whichever way
  // this function returns.
  struct ReportsStop {
    ServeEvents* events;
    ~ReportsStop() {
      if (events) events->stop_reports();
    }
  } reports_stop{serve_events.get()};
  if (serve_events) {
    serve_events->use_runtime([api = server->get()] { return api->runtime(); });
  }
  std::string profiles;
  for (const auto& p : config.profiles.profiles())
    profiles += (profiles.empty() ? "" : ",") + p.name;
  const std::string listen = config.listen_host + ":" + std::to_string((*server)->port());
  api::log_json(
      *logger, spdlog::level::info,
      api::json_log_line(
          "info", "upgate serve started",
          {{"listen", listen},
           {"tls", config.tls ? "true" : "false"},
           {"endpoint", config.s3.endpoint_url},
           {"embedded_store", config.s3.embedded ? "true" : "false"},
           {"bucket", config.s3.bucket},
           {"region", config.s3.region},
           {"access_key_id", config.s3.credentials.access_key_id},
           {"credentials", generated_credentials ? std::string_view("generated")
                                                 : std::string_view(config.s3.credentials_source)},
           {"profiles", profiles},
           {"drain_seconds", std::to_string(config.drain_period.count())},
           {"config", config.config_path}}));
  logger->flush();

  http::Server& api_listener = (*server)->http_server();
  if (auto certificate = api_listener.tls_certificate()) {
    log_tls_serving(*logger, "api", *certificate);
    api_listener.on_tls_reload(tls_reload_log(logger, "api"));
  }
  store::EmbeddedStore* store_listener = embedded_store ? &embedded_store->store() : nullptr;
  if (store_listener != nullptr && store_listener->tls()) {
    log_tls_serving(*logger, "s3", *store_listener->tls_certificate());
    store_listener->on_tls_reload(tls_reload_log(logger, "s3"));
  }
  // The plain-HTTP listener that only redirects to the API's HTTPS port ([server]
  // http_redirect): its own small server, stopped after the API.
  std::unique_ptr<http::Server> redirect;
  std::thread redirect_thread;
  if (config.http_redirect) {
    http::ServerConfig redirect_config;
    redirect_config.address = config.http_redirect->host;
    redirect_config.port = config.http_redirect->port;
    redirect_config.threads = 1;
    redirect_config.keep_alive = false;     // every answer closes: no body is ever read
    config.clients.apply(redirect_config);  // the API's header deadline and caps here too
    auto created = http::Server::create(std::move(redirect_config),
                                        http::https_redirect_handler((*server)->port()));
    if (!created) {
      return stop_with("cannot listen for the HTTPS redirect", created.error().message,
                       kExitFailure);
    }
    redirect = std::move(*created);
    api::log_json(*logger, spdlog::level::info,
                  api::json_log_line("info", "https redirect listening",
                                     {{"listen", config.http_redirect->host + ":" +
                                                     std::to_string(redirect->port())},
                                      {"to_port", std::to_string((*server)->port())}}));
    redirect_thread = std::thread([&redirect] { redirect->run(); });
  }
  if (embedded_store) {
    embedded_store->allow_api_origins(config, (*server)->port(), *logger);
    embedded_store->run_in_background();
  }
  (*server)->stop_on_signals();  // the first signal drains (drain_period), the next stops
  // SIGHUP (systemctl reload): upgate.toml and every listener's certificate pair, on the
  // one reload thread (serve_reload.hpp).
  std::vector<ConfigReloader::CertificateReload> certificates;
  if (api_listener.tls()) {
    certificates.push_back({"api", [&api_listener] { return api_listener.reload_tls(); }});
  }
  if (store_listener != nullptr && store_listener->tls()) {
    certificates.push_back({"s3", [store_listener] { return store_listener->reload_tls(); }});
  }
  // The bucket's CORS follows the API's origins when a reload changes them, as at start.
  std::function<void(const api::ApiConfig&)> cors_changed;
  if (embedded_store) {
    cors_changed = [store = embedded_store.get(), port = (*server)->port(),
                    logger](const api::ApiConfig& next) {
      store->allow_api_origins(next, port, *logger);
    };
  }
  auto reloader = std::make_unique<ConfigReloader>(
      ConfigReloader::Context{options.flags, std::move(*listeners), server->get(), logger,
                              credentials, std::move(certificates), std::move(cors_changed)});
  (*server)->run();
  if (redirect) {
    redirect->stop();
    redirect_thread.join();
  }
  reloader.reset();
  if (credentials) credentials->stop();
  embedded_store.reset();  // stops the store after the API has drained
  // Then the deliverer: requests in progress get a moment; the rest waits in the outbox.
  if (serve_events) serve_events->stop(std::chrono::seconds(5));
  logger->flush();  // every access line before the last line
  api::log_json(*logger, spdlog::level::info,
                api::json_log_line("info", "upgate serve stopped", {}));
  logger->flush();
  spdlog::shutdown();
  return kExitOk;
}

}  // namespace

void register_serve(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", kServeHelp);
  api::ApiFlags& f = options->flags;
  cmd->add_option("--config", f.config_path, "upgate.toml with upload profiles (UPGATE_CONFIG)");
  cmd->add_option("--listen", f.listen, "HOST:PORT to bind (default 127.0.0.1:8080; port 0: any)");
  cmd->add_option("--threads", f.threads, "I/O threads (default: one per core)");
  cmd->add_option("--drain-seconds", f.drain_seconds,
                  "after SIGTERM/SIGINT, answer /readyz 503 and serve on this long before "
                  "stopping; a second signal stops at once (default 0; behind a load balancer: "
                  "its probe interval x unhealthy threshold)");
  cmd->add_option("--endpoint", f.endpoint, "S3 endpoint URL (default: the embedded store)");
  cmd->add_option("--region", f.region, "signing region");
  cmd->add_option("--bucket", f.bucket, "bucket the URLs point at");
  auto* path = cmd->add_flag("--path-style", options->path_style, "https://host/BUCKET/KEY URLs");
  cmd->add_flag("--virtual-hosted", options->virtual_hosted, "https://BUCKET.host/KEY URLs")
      ->excludes(path);
  cmd->add_option("--aws-profile", f.aws_profile, "profile of the AWS shared files (AWS_PROFILE)");
  cmd->add_option("--cors-origin", f.cors_origins,
                  "origin allowed to call the API (repeatable; default: the demo page's)");
  cmd->add_option("--log-level", f.log_level, "trace, debug, info, warn, error or off");
  cmd->add_flag("--no-access-log", options->no_access_log, "no per-request log lines");
  cmd->add_flag("--no-demo", options->no_demo, "do not serve the demo page at /");
  cmd->add_option("--tls-cert", f.tls_cert, "PEM certificate chain for the API: serve HTTPS");
  cmd->add_option("--tls-key", f.tls_key, "PEM private key of --tls-cert (unencrypted)");
  cmd->add_option("--store-tls-cert", f.store_tls_cert,
                  "PEM certificate chain for the embedded store (URLs become https://)");
  cmd->add_option("--store-tls-key", f.store_tls_key, "PEM private key of --store-tls-cert");
  cmd->add_option("--store-domain", f.store_domain,
                  "base domain of the embedded store's virtual-hosted buckets: it answers "
                  "BUCKET.DOMAIN and URLs are https://BUCKET.DOMAIN:PORT/KEY (default: none)");
  cmd->add_option("--http-redirect", f.http_redirect,
                  "HOST:PORT of a plain-HTTP listener that answers every request 308 to "
                  "https:// on the API's port (needs --tls-cert; default: none)");
  add_serve_store_flags(*cmd, options->store);
  cmd->callback([options, &exit_code] { exit_code = run_serve(*options); });
}

}  // namespace upgate::cli
