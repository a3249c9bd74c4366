// A real upgate_http Server for tests: on 127.0.0.1 with a port the kernel picks, run on a
// background thread, stopped and joined when the RunningServer goes out of scope. The http
// and api suites use it with RawClient (raw_http_client.hpp).
#pragma once

#include "upgate/http/server.hpp"

#include "upgate/http/exchange.hpp"
#include "upgate/http/response.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

namespace upgate::http::test {

inline ServerConfig test_config() {
  ServerConfig c;
  c.address = "127.0.0.1";
  c.port = 0;
  c.threads = 2;
  c.shutdown_grace = std::chrono::milliseconds(3000);
  c.linger_timeout = std::chrono::milliseconds(300);
  return c;
}

// A handler that answers every request 200 "hello".
inline Handler hello() {
  return [](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.respond(Response::text(200, "hello"));
  };
}

class RunningServer {
 public:
  RunningServer(ServerConfig config, Handler handler, RequestObserver observer = {}) {
    auto created = Server::create(std::move(config), std::move(handler), std::move(observer));
    if (!created) throw std::runtime_error(created.error().message);
    server_ = std::move(*created);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~RunningServer() { stop_and_wait(); }
  void stop_and_wait() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }
  Server& server() { return *server_; }
  std::thread& thread() { return thread_; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

}  // namespace upgate::http::test
