#include "worker.hpp"

#include "connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

namespace upgate::http::detail {

namespace asio = boost::asio;

namespace {
std::uint64_t random_request_id_base(unsigned worker_index) {
  // Random start per process, worker index in the top byte: ids are unique within the
  // process and unlikely to repeat across restarts.
  std::random_device rd;
  const std::uint64_t r = (std::uint64_t{rd()} << 32) ^ rd();
  return (std::uint64_t{worker_index & 0xffu} << 56) | (r & 0x00ffffffffffffffull);
}
}  // namespace

Worker::Worker(ServerShared& shared, unsigned index)
    : shared_(shared),
      request_id_counter_(random_request_id_base(index)),
      sweep_timer_(io_context_) {}

Worker::~Worker() {
  // Destroying io_context_ (after the timer) destroys connection coroutines still
  // suspended after a hard stop; their unregistering must not reach the destroyed timer.
  tearing_down_ = true;
}

void Worker::add(Connection& connection) {
  connection.registry_index = connections_.size();
  connections_.push_back(&connection);
  shared_.open_connections.fetch_add(1, std::memory_order_relaxed);
}

void Worker::remove(Connection& connection) noexcept {
  const std::size_t i = connection.registry_index;
  if (i < connections_.size() && connections_[i] == &connection) {
    connections_[i] = connections_.back();
    connections_[i]->registry_index = i;
    connections_.pop_back();
    shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    // The last connection gone during shutdown: wake the sweeper so run() returns now.
    if (stopping_ && connections_.empty() && !tearing_down_) sweep_timer_.cancel();
  }
}

void Worker::start() {
  asio::co_spawn(io_context_, sweep_loop(), asio::detached);
}

void Worker::begin_shutdown() {
  if (stopping_) return;
  stopping_ = true;
  force_close_at_ = std::chrono::steady_clock::now() + shared_.config.shutdown_grace;
  if (acceptor_) {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
  }
  // Iterate over a copy: closing completes operations later, but keep removal-safe anyway.
  const std::vector<Connection*> snapshot = connections_;
  for (Connection* c : snapshot) {
    if (c->idle()) c->force_close();
  }
  sweep_timer_.cancel();
}

asio::awaitable<void> Worker::sweep_loop() {
  constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
  while (true) {
    if (stopping_ && connections_.empty()) co_return;
    sweep_timer_.expires_after(shared_.sweep_interval);
    auto [ec] = co_await sweep_timer_.async_wait(kNoThrow);
    (void)ec;
    const auto now = std::chrono::steady_clock::now();
    const bool force = stopping_ && now >= force_close_at_;
    if (force && now >= force_close_at_ + std::chrono::seconds(1)) {
      // A handler still busy a second after its socket was closed waits on something else;
      // stop here and let the io_context's destruction unwind it.
      io_context_.stop();
      co_return;
    }
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      Connection* c = connections_[i];
      if (force || (stopping_ && c->idle())) {
        c->force_close();
        continue;
      }
      c->check_deadline(now);
      c->release_idle_memory();
    }
  }
}

}  // namespace upgate::http::detail
