// upgate::http::Server: an HTTP/1.1 server running one io_context per thread.
//
// Promises:
// - create() binds before returning, so a config with port 0 gets an ephemeral port that
//   port() reports (tests and `--listen 127.0.0.1:0`), and a port in use is an error value,
//   not an exception. Each thread has its own acceptor on SO_REUSEPORT, so the kernel
//   spreads connections and no lock is shared on the hot path; where SO_REUSEPORT is
//   refused (or ServerConfig::reuse_port is false) one acceptor hands sockets round-robin
//   to the threads. Before joining a SO_REUSEPORT group the port is probed without it, so
//   a second server on the same port fails with "address in use" instead of silently
//   sharing the port.
// - Every read has a deadline: read_header_timeout for the whole request header (on a new
//   connection from the moment it is served, so waiting before the first byte counts too;
//   on a kept-alive one from the request's first byte), body_idle_timeout between body
//   bytes, write_idle_timeout between written bytes, keep_alive_timeout between requests.
//   Deadlines are enforced by one coarse timer per thread (sweeping every ~1/4 of the
//   shortest timeout, at most 250 ms), not by a timer per connection.
// - Slow clients: a request body must move at least body_min_rate bytes per second and a
//   response send_min_rate, measured over windows of min_rate_window of the time spent
//   waiting on the peer (transfer_pace.hpp), so a client that sends or reads one byte just
//   inside every idle timeout is cut off within a window or two. A body read cut off this
//   way is BodyError::timeout (the store answers RequestTimeout). A response cut off (the
//   send rate or write_idle_timeout) is reset (SO_LINGER 0): the kernel drops what the
//   peer never read instead of delivering it from an orphaned socket for minutes.
// - Connection caps: at most max_connections at once on the listener and
//   max_connections_per_client from one peer address (0: no cap). A connection beyond
//   either is closed at once, or with answer_over_capacity first answered 503 with
//   Retry-After (worded by the error_renderer, Refusal::over_capacity; not over TLS, where
//   no session exists yet). Refusals are counted (refused_connections()) and reported to
//   on_connection_refused().
// - Header over max_header_bytes: 431 and close. Malformed request: 400 and close.
//   Body limits: see exchange.hpp (413). ServerConfig::error_renderer, when set, words
//   every response the server writes on its own (error_renderer.hpp).
// - Memory: an idle keep-alive connection holds no read buffer (it is released when the
//   connection goes idle and taken again when bytes arrive).
// - drain() (thread-safe, idempotent) begins a drain: draining() turns true and the
//   on_drain() callback runs, the server goes on accepting and serving normally, but every
//   response carries Connection: close so keep-alive clients move on; after
//   drain_period it calls stop(). That is the window in which a load balancer, told by
//   the application's readiness check (which reads draining()), stops sending new
//   requests. stop() during the drain ends it at once. With a drain_period of 0, drain()
//   is stop().
// - stop() (thread-safe) stops accepting at once, closes idle keep-alive connections,
//   lets in-flight requests finish (their responses carry Connection: close) for up to
//   shutdown_grace, then closes whatever is left; run() returns when every connection is
//   gone. draining() is true from then on too.
//   A handler still running one second after the grace (waiting on something other than
//   its connection) is abandoned: run() returns, and the coroutine is destroyed at its
//   suspension point when the Server is destroyed.
// - stop_on_signals(): the first SIGINT or SIGTERM calls drain(), the next one stop().
//   Signals are waited for with a signal_set on an I/O thread and the drain period is a
//   timer there: nothing blocks.
// - Request smuggling shapes are refused before any handler runs: HTTP/1.1 without exactly
//   one Host (400), conflicting Content-Length (400), a Transfer-Encoding that does not end
//   in chunked (400) or holds other codings (501).
// - After each request (and after a server-generated 400/431/501), the observer is called on
//   the I/O thread with a RequestRecord. It must be quick and must not block.
// - TLS (ServerConfig::tls set; policy in tls.hpp): create() loads the certificate pair and
//   refuses to start on a bad one (ServerErrorCode::tls, the reason in one line). Every
//   connection then begins with a handshake bounded by TlsSettings::handshake_timeout; a
//   failed or stalled one closes without a word. Every promise above holds over TLS too:
//   the same timeouts, limits, drain, 100-continue and keep-alive; an idle connection holds
//   no read buffer of ours and OpenSSL's record buffers are released (Asio's TLS stream
//   keeps its own fixed ones for the connection's life). Closing sends close_notify, and
//   drains, within linger_timeout.
// - Certificate reload: new handshakes use a new pair; connections already open keep the
//   one they started with until they close. reload_tls() loads the files now (SIGHUP);
//   with TlsSettings::watch_interval the server also notices changed files itself (checked
//   on the blocking pool). A refused pair keeps the current one. Either way, the
//   on_tls_reload() observer hears the outcome.
// - SIGHUP is not the server's: the owner decides what a hangup reloads and calls
//   reload_tls() from a thread of its own (upgate's CLI has one reload thread).
// - The handler, the observer and whatever they reference (a Router, an InMemoryFiles)
//   must outlive the Server: destroy the Server (or let run() return) first.
#pragma once

#include <upgate/expected.hpp>
#include <upgate/http/error_renderer.hpp>
#include <upgate/http/exchange.hpp>
#include <upgate/http/tls.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace upgate::http {

struct ServerConfig {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  std::uint16_t port = 8080;          // 0: ephemeral, see Server::port()
  unsigned threads = 0;               // 0: std::thread::hardware_concurrency()
  bool reuse_port = true;             // one acceptor per thread via SO_REUSEPORT

  std::size_t max_header_bytes = 16 * 1024;      // request line + fields; beyond: 431
  std::uint64_t body_limit = 1024 * 1024;        // default Exchange::body_limit(); beyond: 413
  std::size_t drain_limit = 64 * 1024;           // unread body discarded to keep the connection
  unsigned max_requests_per_connection = 10000;  // 0: unlimited
  bool keep_alive = true;

  std::chrono::milliseconds read_header_timeout{10'000};
  std::chrono::milliseconds body_idle_timeout{30'000};
  std::chrono::milliseconds write_idle_timeout{30'000};
  std::chrono::milliseconds keep_alive_timeout{60'000};
  std::chrono::milliseconds linger_timeout{2'000};  // drain before closing with unread input
  std::chrono::milliseconds shutdown_grace{10'000};
  // drain(): keep serving, readiness down, this long before stop(). 0: drain() is stop().
  std::chrono::milliseconds drain_period{0};

  // Slow clients and connection caps (see above). Rates in bytes per second; 0: no minimum.
  std::uint64_t body_min_rate = 512;
  std::uint64_t send_min_rate = 512;
  std::chrono::milliseconds min_rate_window{10'000};
  std::size_t max_connections = 20'000;        // 0: no cap
  std::size_t max_connections_per_client = 0;  // per peer address; 0: no cap
  bool answer_over_capacity = false;           // 503 before closing (else just close)

  unsigned blocking_threads = 2;   // pool behind Exchange::run_blocking()
  std::optional<TlsSettings> tls;  // set: every connection speaks TLS (tls.hpp)
  // Words the 400/408/413/431/500/501 the server sends itself; null: plain-text reason.
  ErrorRenderer error_renderer;
  // Header lines ("Name: value\r\n" each, from the owner, not from a request) put on every
  // response, the server's own included: e.g. Strict-Transport-Security.
  std::string fixed_headers;
};

// The slow-client and connection-cap settings as a unit, for the configurations that
// expose them (upgate.toml's [server], `upgate store`'s flags); apply() copies them into a
// ServerConfig.
struct ClientLimits {
  std::chrono::milliseconds header_timeout{10'000};
  std::uint64_t body_min_rate = 512;
  std::uint64_t send_min_rate = 512;
  std::chrono::milliseconds min_rate_window{10'000};
  std::size_t max_connections = 20'000;
  std::size_t max_connections_per_client = 0;

  bool operator==(const ClientLimits&) const = default;
  void apply(ServerConfig& config) const noexcept {
    config.read_header_timeout = header_timeout;
    config.body_min_rate = body_min_rate;
    config.send_min_rate = send_min_rate;
    config.min_rate_window = min_rate_window;
    config.max_connections = max_connections;
    config.max_connections_per_client = max_connections_per_client;
  }
};

// What the observer learns about one request. Views are valid only during the call.
struct RequestRecord {
  std::string_view method;  // "GET"; empty when the request line was unreadable
  std::string_view path;    // target without the query (signatures live in queries)
  std::string_view route;   // Router's route name, or "" when unrouted
  std::string_view request_id;
  int status = 0;                       // 0 when no response was written (peer gone)
  std::uint64_t bytes_in = 0;           // body bytes read
  std::uint64_t bytes_out = 0;          // body bytes written
  std::chrono::nanoseconds duration{};  // header parsed -> response complete
  std::string_view error;               // why the server intervened (e.g. "handler threw"), or ""
};
using RequestObserver = std::function<void(const RequestRecord&)>;

enum class ServerErrorCode : std::uint8_t { bad_address, bind_failed, listen_failed, tls };
struct ServerError {
  ServerErrorCode code;
  std::string message;  // names the address and the system error
  // The system's reason when the OS refused (e.g. std::errc::address_in_use), so callers
  // can give advice without parsing the message.
  std::error_code cause{};
};

class Server {
 public:
  static Expected<std::unique_ptr<Server>, ServerError> create(ServerConfig config, Handler handler,
                                                               RequestObserver observer = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the ephemeral one when the config said 0).
  std::uint16_t port() const noexcept;
  const ServerConfig& config() const noexcept;

  // Serves on config().threads threads, the caller's among them; returns after stop()
  // has drained every connection. Call once.
  void run();
  // Thread-safe and idempotent; returns at once (run() does the draining).
  void stop() noexcept;
  // Thread-safe and idempotent; returns at once. Serves on for config().drain_period with
  // Connection: close on every response, then stop().
  void drain() noexcept;
  // True once drain() or stop() was called: the server wants no new work. Thread-safe.
  bool draining() const noexcept;
  // Called once, on an I/O thread, when a drain begins (not when drain() is a plain stop()
  // because drain_period is 0, nor for stop()). Must be quick and must not block. Set
  // before run().
  void on_drain(std::function<void()> callback);
  // First SIGINT/SIGTERM: drain(); the next: stop(). Call before run().
  void stop_on_signals();

  // Connections currently open, over all threads (approximate while running).
  std::size_t open_connections() const noexcept;

  // Connections refused by the caps since start, by which cap. Thread-safe.
  struct RefusedConnections {
    std::uint64_t listener = 0;  // max_connections
    std::uint64_t client = 0;    // max_connections_per_client
  };
  RefusedConnections refused_connections() const noexcept;
  // Called on the accepting I/O thread for every refused connection, with the peer's
  // address; must be quick and must not block. Set before run().
  void on_connection_refused(std::function<void(bool per_client, std::string_view peer)> callback);

  // --- TLS (ServerConfig::tls) ---
  bool tls() const noexcept;
  // The pair new handshakes get; nullopt without TLS. Thread-safe.
  std::optional<TlsCertificateInfo> tls_certificate() const;
  // Loads the certificate pair again; the observer hears the outcome too. Thread-safe;
  // blocks (file reads), so not on an I/O thread. Without TLS: an error saying so.
  Expected<TlsCertificateInfo, TlsError> reload_tls();
  // Hears every reload attempt: reload_tls()'s on the caller's thread, the watcher's on a
  // blocking-pool thread. Must be thread-safe and quick. Set before run().
  void on_tls_reload(TlsReloadObserver observer);

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace upgate::http
