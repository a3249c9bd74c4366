// Internal: the state one server thread owns (its io_context, acceptor, open connections
// and the deadline sweeper), and the state all threads share read-only.
//
// Everything in Worker is touched only from its own io_context's thread, so nothing here
// is locked; other threads reach a worker only by posting to its io_context.
#pragma once

#include <upgate/http/server.hpp>
#include <upgate/http/tls_certificates.hpp>

#include "connection_caps.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace upgate::http::detail {

class Connection;

struct ServerShared {
  ServerConfig config;
  // Set when the server speaks TLS: the pair new connections take (owned by the Server).
  const TlsCertificates* tls = nullptr;
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  Handler handler;
  RequestObserver observer;
  boost::asio::thread_pool* blocking_pool = nullptr;
  std::atomic<std::size_t> open_connections{0};
  // max_connections and max_connections_per_client; each connection holds a slot.
  std::unique_ptr<ConnectionCaps> caps;
  std::function<void(bool per_client, std::string_view peer)> on_refused;
  std::atomic<int> refusals_answering{0};  // 503s being written (bounded)
  std::atomic<bool> draining{false};       // Server::draining(): responses carry Connection: close
  std::chrono::milliseconds sweep_interval{250};
};

class Worker {
 public:
  Worker(ServerShared& shared, unsigned index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  ServerShared& shared() noexcept { return shared_; }
  boost::asio::io_context& io_context() noexcept { return io_context_; }
  std::optional<boost::asio::ip::tcp::acceptor>& acceptor() noexcept { return acceptor_; }
  bool stopping() const noexcept { return stopping_; }

  // Connection registry, for deadlines and for shutdown.
  void add(Connection& connection);
  void remove(Connection& connection) noexcept;

  // A process-unique request id, 16 hex digits.
  std::uint64_t next_request_id() noexcept { return request_id_counter_++; }

  // Starts the sweeper; the acceptor loops are started by the server.
  void start();
  // On this worker's thread: stop accepting, close idle connections, arm the grace timer.
  void begin_shutdown();

 private:
  boost::asio::awaitable<void> sweep_loop();

  // Declaration order matters: io_context_ is destroyed after the timer and acceptor that
  // use it and before connections_, because destroying it destroys suspended connection
  // coroutines, whose Connection destructors unregister from connections_.
  ServerShared& shared_;
  std::vector<Connection*> connections_;
  std::uint64_t request_id_counter_;
  bool stopping_ = false;
  bool tearing_down_ = false;  // the timer is gone: remove() must not touch it
  std::chrono::steady_clock::time_point force_close_at_{};
  boost::asio::io_context io_context_{1};
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  boost::asio::steady_timer sweep_timer_;
};

}  // namespace upgate::http::detail
