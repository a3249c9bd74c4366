// upgate::limits::RedisConnection: one connection to Redis over Boost.Asio, one command at
// a time, every step with a deadline.
//
// connect() resolves the host without blocking (Asio's resolver), connects over TCP (no
// Nagle delay) or a unix socket, then sends AUTH and SELECT as the endpoint says, all
// within `connect_timeout`. call() writes one command and reads its one reply within the
// timeout given; a reply larger or stranger than RespLimits allows fails the call.
//
// A RESP error reply ("-NOSCRIPT ...", "-OOM ...") is a value (RespValue::Type::error),
// not a StoreError: the connection is still good. A StoreError (timeout, closed, protocol)
// leaves the connection broken(): its stream position is unknown, so it must be dropped.
//
// Messages name the endpoint only as RedisEndpoint::redacted() and never hold a command's
// arguments (AUTH's password is one). Not thread-safe: one coroutine uses a connection at a
// time, on the executor it was made with.
#pragma once

#include <upgate/expected.hpp>
#include <upgate/limits/decision.hpp>
#include <upgate/limits/redis_url.hpp>
#include <upgate/limits/resp.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string_view>

namespace upgate::limits {

namespace detail {
struct RedisSocket;
}

struct RedisConnectionOptions {
  std::chrono::milliseconds connect_timeout{500};
  RespLimits reply_limits{};
};

class RedisConnection {
 public:
  static boost::asio::awaitable<Expected<std::unique_ptr<RedisConnection>, StoreError>> connect(
      boost::asio::any_io_executor executor, const RedisEndpoint& endpoint,
      RedisConnectionOptions options = {});

  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  boost::asio::awaitable<Expected<RespValue, StoreError>> call(
      std::span<const std::string_view> arguments, std::chrono::milliseconds timeout);

  bool broken() const noexcept { return broken_; }
  void close() noexcept;

 private:
  RedisConnection(std::unique_ptr<detail::RedisSocket> socket, std::string endpoint_name,
                  RespLimits reply_limits);
  boost::asio::awaitable<Expected<RespValue, StoreError>> exchange(std::string command);

  std::unique_ptr<detail::RedisSocket> socket_;
  std::string endpoint_name_;  // redacted
  RespDecoder decoder_;
  bool broken_ = false;
};

}  // namespace upgate::limits
