#include <upgate/http/server.hpp>

#include "connection.hpp"
#include "http_date.hpp"
#include "worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>

#include <pthread.h>
#include <sys/socket.h>
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace upgate::http {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::Worker;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::chrono::milliseconds sweep_interval_for(const ServerConfig& c) {
  auto shortest = std::min({c.read_header_timeout, c.body_idle_timeout, c.write_idle_timeout,
                            c.keep_alive_timeout, c.linger_timeout});
  if (c.tls) shortest = std::min(shortest, c.tls->handshake_timeout);
  // A rate's window ends a wait like a timeout does (transfer_pace.hpp).
  if ((c.body_min_rate > 0 || c.send_min_rate > 0) && c.min_rate_window.count() > 0) {
    shortest = std::min(shortest, c.min_rate_window);
  }
  return std::clamp(shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

std::string describe(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// The OS's reason as a std::error_code (comparable with std::errc), or none.
std::error_code system_cause(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return {};
  return {ec.value(), std::system_category()};
}

bool is_resource_exhaustion(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec.value() == ENFILE;
}

// At most this many over-capacity 503s are being written at once; beyond, a refused
// connection is just closed (a flood must not turn the refusals into the load).
constexpr int kMaxRefusalsAnswering = 64;
constexpr std::chrono::seconds kRefusalLinger{1};

// The 503 a connection over the caps gets before any request is read.
std::string over_capacity_response(const ServerConfig& config) {
  Response response = Response::status_only(503);
  if (config.error_renderer) {
    try {
      response = config.error_renderer(RefusalContext{Refusal::over_capacity, 503, {}, nullptr});
    } catch (...) {
      response = Response::status_only(503);
    }
  }
  std::string out = "HTTP/1.1 ";
  out += std::to_string(response.status());
  out += ' ';
  out += reason_phrase(response.status());
  out += "\r\nDate: ";
  out += detail::http_date_now();
  out += "\r\n";
  out += response.serialized_headers();
  out += "Retry-After: 1\r\nContent-Length: ";
  out += std::to_string(response.body().size());
  out += "\r\nConnection: close\r\n\r\n";
  out += response.body();
  return out;
}

// Sends `response` on a fresh socket (its send buffer takes a small answer at once), then
// reads and discards what the client sent for a moment before closing, so the close does
// not reset an answer the client has not read yet.
asio::awaitable<void> answer_and_close(tcp::socket socket, std::string response,
                                       std::atomic<int>& answering) {
  using namespace asio::experimental::awaitable_operators;
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.send(asio::buffer(response), 0, ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(kRefusalLinger);
  std::array<char, 4096> sink;
  for (std::size_t discarded = 0; discarded < 64 * 1024;) {
    auto result = co_await (socket.async_read_some(asio::buffer(sink), kNoThrow) ||
                            timer.async_wait(kNoThrow));
    if (result.index() != 0) break;
    auto [read_ec, n] = std::get<0>(result);
    if (read_ec) break;
    discarded += n;
  }
  socket.close(ec);
  answering.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerConfig config, Handler handler, RequestObserver observer)
      : blocking_pool_(std::max(1u, config.blocking_threads)) {
    shared_.config = std::move(config);
    shared_.handler = std::move(handler);
    shared_.observer = std::move(observer);
    shared_.blocking_pool = &blocking_pool_;
    shared_.sweep_interval = sweep_interval_for(shared_.config);
    shared_.caps = std::make_unique<detail::ConnectionCaps>(
        shared_.config.max_connections, shared_.config.max_connections_per_client);
    if (shared_.config.tls) shared_.tls_handshake_timeout = shared_.config.tls->handshake_timeout;
  }

  ~Impl() {
    // Pool work may still post back to the io_contexts; let it finish before they go.
    blocking_pool_.join();
    signals_.reset();
    drain_timer_.reset();
    tls_watch_timer_.reset();
    workers_.clear();
  }

  Expected<void, ServerError> load_tls();
  void report_tls(TlsReloadEvent::Trigger trigger,
                  const Expected<TlsCertificateInfo, TlsError>& outcome);
  Expected<void, ServerError> bind();
  void run();
  void stop() noexcept;
  void drain() noexcept;
  void stop_on_signals();

  detail::ServerShared shared_;
  asio::thread_pool blocking_pool_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // signals_ and drain_timer_ live on workers_[0]'s io_context and are touched only there.
  std::optional<asio::signal_set> signals_;
  std::optional<asio::steady_timer> drain_timer_;
  std::function<void()> on_drain_;
  // TLS: the pair, its watcher (a timer on workers_[0] whose checks run on the pool), the
  // observer of reloads.
  std::unique_ptr<TlsCertificates> tls_;
  std::optional<asio::steady_timer> tls_watch_timer_;
  TlsReloadObserver on_tls_reload_;
  std::uint16_t port_ = 0;
  bool one_acceptor_per_thread_ = false;
  std::atomic<bool> stop_requested_{false};

 private:
  void wait_for_signal();
  void watch_tls_files();
  void begin_drain();
  Expected<void, ServerError> open_acceptor(Worker& worker, const tcp::endpoint& ep,
                                            bool reuse_port);
  asio::awaitable<void> accept_loop(Worker& worker);
  // A connection over the caps: closed, or answered 503 first (answer_over_capacity).
  void refuse(Worker& target, tcp::socket socket, bool per_client, const tcp::endpoint& peer);
};

Expected<void, ServerError> Server::Impl::open_acceptor(Worker& worker, const tcp::endpoint& ep,
                                                        bool reuse_port) {
  auto& acceptor = worker.acceptor().emplace(worker.io_context());
  boost::system::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && reuse_port) acceptor.set_option(ReusePort(true), ec);
  if (ec) {
    return Unexpected(ServerError{ServerErrorCode::bind_failed,
                                  "cannot open a socket for " + describe(ep) + ": " + ec.message(),
                                  system_cause(ec)});
  }
  acceptor.bind(ep, ec);
  if (ec) {
    return Unexpected(ServerError{ServerErrorCode::bind_failed,
                                  "cannot bind " + describe(ep) + ": " + ec.message(),
                                  system_cause(ec)});
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unexpected(ServerError{ServerErrorCode::listen_failed,
                                  "cannot listen on " + describe(ep) + ": " + ec.message(),
                                  system_cause(ec)});
  }
  return {};
}

Expected<void, ServerError> Server::Impl::load_tls() {
  if (!shared_.config.tls) return {};
  auto loaded = TlsCertificates::load(shared_.config.tls->files);
  if (!loaded) return Unexpected(ServerError{ServerErrorCode::tls, loaded.error().message});
  tls_ = std::move(*loaded);
  shared_.tls = tls_.get();
  return {};
}

void Server::Impl::report_tls(TlsReloadEvent::Trigger trigger,
                              const Expected<TlsCertificateInfo, TlsError>& outcome) {
  if (!on_tls_reload_) return;
  TlsReloadEvent event;
  event.trigger = trigger;
  event.loaded = outcome.has_value();
  if (outcome) {
    event.certificate = *outcome;
  } else {
    event.certificate = tls_->current()->certificate();
    event.error = outcome.error().message;
  }
  try {
    on_tls_reload_(event);
  } catch (...) {
    // A failing observer must not stop the watcher; there is nowhere to report it.
  }
}

void Server::Impl::watch_tls_files() {
  tls_watch_timer_->expires_after(shared_.config.tls->watch_interval);
  tls_watch_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stop_requested_.load()) return;
    // stat() and file reads stay off the I/O thread; the next wait is armed back on it.
    asio::post(blocking_pool_, [this] {
      if (auto outcome = tls_->reload_if_changed()) {
        report_tls(TlsReloadEvent::Trigger::files_changed, *outcome);
      }
      asio::post(workers_[0]->io_context(), [this] {
        if (!stop_requested_.load()) watch_tls_files();
      });
    });
  });
}

Expected<void, ServerError> Server::Impl::bind() {
  const auto& config = shared_.config;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config.address, ec);
  if (ec) {
    return Unexpected(
        ServerError{ServerErrorCode::bad_address, "not an IP address: '" + config.address + "'"});
  }
  unsigned threads = config.threads != 0 ? config.threads : std::thread::hardware_concurrency();
  threads = std::max(1u, threads);
  shared_.config.threads = threads;
  for (unsigned i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>(shared_, i));

  tcp::endpoint endpoint(address, config.port);
  one_acceptor_per_thread_ = config.reuse_port && threads > 1;
  if (one_acceptor_per_thread_ && config.port != 0) {
    // SO_REUSEPORT would let us join another server's group on this port unnoticed.
    // A bind without it fails if anyone holds the port.
    asio::io_context probe_context;
    tcp::acceptor probe(probe_context);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec) {
      return Unexpected(ServerError{ServerErrorCode::bind_failed,
                                    "cannot bind " + describe(endpoint) + ": " + ec.message(),
                                    system_cause(ec)});
    }
  }
  if (auto first = open_acceptor(*workers_[0], endpoint, one_acceptor_per_thread_); !first) {
    if (!one_acceptor_per_thread_) return first;
    // SO_REUSEPORT refused: fall back to one acceptor that hands sockets out.
    one_acceptor_per_thread_ = false;
    workers_[0]->acceptor().reset();
    if (auto single = open_acceptor(*workers_[0], endpoint, false); !single) return single;
  }
  port_ = workers_[0]->acceptor()->local_endpoint().port();
  endpoint.port(port_);
  for (unsigned i = 1; one_acceptor_per_thread_ && i < threads; ++i) {
    if (auto r = open_acceptor(*workers_[i], endpoint, true); !r) {
      // Joining the group failed half-way: serve with the single acceptor we have.
      for (unsigned j = 1; j <= i; ++j) workers_[j]->acceptor().reset();
      workers_[0]->acceptor().reset();
      if (auto single = open_acceptor(*workers_[0], endpoint, false); !single) return single;
      one_acceptor_per_thread_ = false;
    }
  }
  return {};
}

// With one acceptor per thread a worker accepts onto its own thread; with a single
// acceptor (no SO_REUSEPORT) it hands each connection to the next worker in turn.
asio::awaitable<void> Server::Impl::accept_loop(Worker& worker) {
  auto& acceptor = *worker.acceptor();
  asio::steady_timer backoff(worker.io_context());
  std::size_t next = 0;
  while (!worker.stopping()) {
    Worker& target = one_acceptor_per_thread_ ? worker : *workers_[next];
    auto [ec, socket] = co_await acceptor.async_accept(target.io_context(), kNoThrow);
    if (worker.stopping() || !acceptor.is_open()) break;
    if (ec) {
      if (is_resource_exhaustion(ec)) {
        // Out of descriptors: accepting again at once would spin. Existing connections
        // closing is what frees them, so give them a moment.
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(kNoThrow);
      }
      continue;
    }
    next = (next + 1) % workers_.size();
    boost::system::error_code ignored;
    const tcp::endpoint peer = socket.remote_endpoint(ignored);
    if (ignored) continue;  // gone before we looked
    detail::CapRefusal refusal = detail::CapRefusal::none;
    detail::ConnectionCaps::Slot slot = shared_.caps->take(peer.address(), refusal);
    if (!slot) {
      refuse(target, std::move(socket), refusal == detail::CapRefusal::client_full, peer);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(target.io_context(),
                   detail::serve_connection(target, std::move(socket), std::move(slot)),
                   asio::detached);
  }
}

void Server::Impl::refuse(Worker& target, tcp::socket socket, bool per_client,
                          const tcp::endpoint& peer) {
  if (shared_.on_refused) shared_.on_refused(per_client, peer.address().to_string());
  const bool answer =
      shared_.config.answer_over_capacity && !tls_ &&
      shared_.refusals_answering.fetch_add(1, std::memory_order_relaxed) < kMaxRefusalsAnswering;
  if (!answer) {
    if (shared_.config.answer_over_capacity && !tls_) {
      shared_.refusals_answering.fetch_sub(1, std::memory_order_relaxed);
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  asio::co_spawn(target.io_context(),
                 answer_and_close(std::move(socket), over_capacity_response(shared_.config),
                                  shared_.refusals_answering),
                 asio::detached);
}

void Server::Impl::run() {
  if (tls_ && shared_.config.tls->watch_interval > std::chrono::milliseconds::zero()) {
    tls_watch_timer_.emplace(workers_[0]->io_context());
    watch_tls_files();
  }
  for (auto& worker : workers_) {
    worker->start();
    if (worker->acceptor()) {
      asio::co_spawn(worker->io_context(), accept_loop(*worker), asio::detached);
    }
  }
  std::vector<std::thread> threads;
  threads.reserve(workers_.size() - 1);
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    threads.emplace_back([w = workers_[i].get()] {
      pthread_setname_np(pthread_self(), "upgate-io");
      w->io_context().run();
    });
  }
  workers_[0]->io_context().run();
  for (auto& t : threads) t.join();
}

void Server::Impl::stop() noexcept {
  shared_.draining.store(true);
  if (stop_requested_.exchange(true)) return;
  for (auto& worker : workers_) {
    asio::post(worker->io_context(), [w = worker.get()] { w->begin_shutdown(); });
  }
  // Pending waits would keep run() from returning.
  asio::post(workers_[0]->io_context(), [this] {
    boost::system::error_code ignored;
    if (signals_) signals_->cancel(ignored);
    if (drain_timer_) drain_timer_->cancel();
    if (tls_watch_timer_) tls_watch_timer_->cancel();
  });
}

void Server::Impl::drain() noexcept {
  if (shared_.config.drain_period <= std::chrono::milliseconds::zero()) {
    stop();  // no drain configured: nobody is polling readiness, stop at once
    return;
  }
  if (shared_.draining.exchange(true)) return;  // already draining, or stopped
  asio::post(workers_[0]->io_context(), [this] { begin_drain(); });
}

void Server::Impl::begin_drain() {
  if (on_drain_) on_drain_();
  if (stop_requested_.load()) return;
  drain_timer_.emplace(workers_[0]->io_context());
  drain_timer_->expires_after(shared_.config.drain_period);
  drain_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) stop();
  });
}

void Server::Impl::stop_on_signals() {
  signals_.emplace(workers_[0]->io_context(), SIGINT, SIGTERM);
  wait_for_signal();
}

void Server::Impl::wait_for_signal() {
  signals_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;  // cancelled by stop()
    if (shared_.draining.load()) {
      stop();  // a second signal: the operator does not want to wait for the drain
      return;
    }
    drain();
    wait_for_signal();
  });
}

Expected<std::unique_ptr<Server>, ServerError> Server::create(ServerConfig config, Handler handler,
                                                              RequestObserver observer) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(handler), std::move(observer));
  if (auto loaded = impl->load_tls(); !loaded) return Unexpected(std::move(loaded).error());
  if (auto bound = impl->bind(); !bound) return Unexpected(std::move(bound).error());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Server::~Server() = default;
std::uint16_t Server::port() const noexcept {
  return impl_->port_;
}
const ServerConfig& Server::config() const noexcept {
  return impl_->shared_.config;
}
void Server::run() {
  impl_->run();
}
void Server::stop() noexcept {
  impl_->stop();
}
void Server::drain() noexcept {
  impl_->drain();
}
bool Server::draining() const noexcept {
  return impl_->shared_.draining.load();
}
void Server::on_drain(std::function<void()> callback) {
  impl_->on_drain_ = std::move(callback);
}
void Server::stop_on_signals() {
  impl_->stop_on_signals();
}
Server::RefusedConnections Server::refused_connections() const noexcept {
  return {impl_->shared_.caps->refused(detail::CapRefusal::listener_full),
          impl_->shared_.caps->refused(detail::CapRefusal::client_full)};
}
void Server::on_connection_refused(
    std::function<void(bool per_client, std::string_view peer)> callback) {
  impl_->shared_.on_refused = std::move(callback);
}
std::size_t Server::open_connections() const noexcept {
  return impl_->shared_.open_connections.load(std::memory_order_relaxed);
}
bool Server::tls() const noexcept {
  return impl_->tls_ != nullptr;
}
std::optional<TlsCertificateInfo> Server::tls_certificate() const {
  if (!impl_->tls_) return std::nullopt;
  return impl_->tls_->current()->certificate();
}
Expected<TlsCertificateInfo, TlsError> Server::reload_tls() {
  if (!impl_->tls_) {
    return Unexpected(TlsError{TlsErrorCode::rejected, "this server does not speak TLS"});
  }
  auto outcome = impl_->tls_->reload();
  impl_->report_tls(TlsReloadEvent::Trigger::requested, outcome);
  return outcome;
}
void Server::on_tls_reload(TlsReloadObserver observer) {
  impl_->on_tls_reload_ = std::move(observer);
}
}  // namespace upgate::http
