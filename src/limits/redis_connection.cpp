// One Redis connection: Asio sockets (TCP or unix), deadlines on every step, RESP through
// hiredis.
#include "upgate/limits/redis_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace upgate::limits {
namespace {

namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

using Reply = Expected<RespValue, StoreError>;

StoreError failure(StoreErrorKind kind, std::string message) {
  return StoreError{kind, std::move(message)};
}

// An error reply's first line, bounded, with `secret` (when given) cut out in case a
// server ever echoes it.
std::string error_text(std::string_view reply, std::string_view secret = {}) {
  std::string text(reply.substr(0, 200));
  if (!secret.empty()) {
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret)) {
      text.replace(at, secret.size(), "<redacted>");
    }
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

std::string milliseconds_text(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

namespace detail {
struct RedisSocket {
  explicit RedisSocket(asio::any_io_executor executor) : socket(std::move(executor)) {}
  Protocol::socket socket;
};
}  // namespace detail

namespace {

using SocketResult = Expected<std::unique_ptr<detail::RedisSocket>, StoreError>;

// Connects to every resolved address in turn for TCP, or to the path of a unix socket.
asio::awaitable<SocketResult> open_socket(asio::any_io_executor executor,
                                          const RedisEndpoint& endpoint, const std::string& name) {
  auto socket = std::make_unique<detail::RedisSocket>(executor);
  if (endpoint.transport == RedisEndpoint::Transport::unix_socket) {
    const asio::local::stream_protocol::endpoint path(endpoint.socket_path);
    auto [error] = co_await socket->socket.async_connect(Protocol::endpoint(path), kNoThrow);
    if (error) {
      co_return Unexpected(failure(StoreErrorKind::connect,
                                   "redis " + name + ": connect failed: " + error.message()));
    }
    co_return socket;
  }
  asio::ip::tcp::resolver resolver(executor);
  auto [resolve_error, results] =
      co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kNoThrow);
  if (resolve_error) {
    co_return Unexpected(
        failure(StoreErrorKind::connect,
                "redis " + name + ": cannot resolve the host: " + resolve_error.message()));
  }
  boost::system::error_code last = asio::error::host_not_found;
  for (const auto& entry : results) {
    boost::system::error_code ignored;
    socket->socket.close(ignored);
    auto [error] =
        co_await socket->socket.async_connect(Protocol::endpoint(entry.endpoint()), kNoThrow);
    if (!error) {
      socket->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
      co_return socket;
    }
    last = error;
  }
  co_return Unexpected(
      failure(StoreErrorKind::connect, "redis " + name + ": connect failed: " + last.message()));
}

}  // namespace

RedisConnection::RedisConnection(std::unique_ptr<detail::RedisSocket> socket,
                                 std::string endpoint_name, RespLimits reply_limits)
    : socket_(std::move(socket)),
      endpoint_name_(std::move(endpoint_name)),
      decoder_(reply_limits) {}

RedisConnection::~RedisConnection() {
  close();
}

void RedisConnection::close() noexcept {
  broken_ = true;
  boost::system::error_code ignored;
  socket_->socket.close(ignored);
}

asio::awaitable<Expected<std::unique_ptr<RedisConnection>, StoreError>> RedisConnection::connect(
    asio::any_io_executor executor, const RedisEndpoint& endpoint, RedisConnectionOptions options) {
  using namespace asio::experimental::awaitable_operators;
  const std::string name = endpoint.redacted();
  const auto give_up_at = std::chrono::steady_clock::now() + options.connect_timeout;
  auto timed_out = [&] {
    return Unexpected(failure(
        StoreErrorKind::timeout,
        "redis " + name + ": not connected within " + milliseconds_text(options.connect_timeout)));
  };

  asio::steady_timer deadline(executor);
  deadline.expires_at(give_up_at);
  auto guarded = [&]() -> asio::awaitable<std::optional<SocketResult>> {
    co_return co_await open_socket(executor, endpoint, name);
  };
  auto raced = co_await (guarded() || deadline.async_wait(kNoThrow));
  if (raced.index() == 1 || !std::get<0>(raced)) co_return timed_out();
  SocketResult opened = std::move(*std::get<0>(raced));
  if (!opened) co_return Unexpected(std::move(opened).error());

  std::unique_ptr<RedisConnection> connection(
      new RedisConnection(std::move(*opened), name, options.reply_limits));
  auto handshake = [&](std::vector<std::string_view> command,
                       std::string_view what) -> asio::awaitable<Expected<void, StoreError>> {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up_at - std::chrono::steady_clock::now());
    if (left.count() <= 0) co_return timed_out();
    auto reply = co_await connection->call(command, left);
    if (!reply) co_return Unexpected(std::move(reply).error());
    if (reply->is_error()) {
      co_return Unexpected(
          failure(StoreErrorKind::auth, "redis " + name + ": " + std::string(what) + " refused: " +
                                            error_text(reply->text, endpoint.password.reveal())));
    }
    co_return Expected<void, StoreError>{};
  };
  if (!endpoint.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.push_back(endpoint.password.reveal());
    if (auto ok = co_await handshake(std::move(auth), "AUTH"); !ok) {
      co_return Unexpected(std::move(ok).error());
    }
  }
  if (endpoint.database != 0) {
    const std::string db = std::to_string(endpoint.database);
    // Named, not a braced list inside co_await: g++ 12 cannot keep that temporary's array.
    std::vector<std::string_view> select = {"SELECT", db};
    if (auto ok = co_await handshake(std::move(select), "SELECT " + db); !ok) {
      co_return Unexpected(std::move(ok).error());
    }
  }
  co_return connection;
}

asio::awaitable<Reply> RedisConnection::exchange(std::string command) {
  auto [write_error, written] =
      co_await asio::async_write(socket_->socket, asio::buffer(command), kNoThrow);
  if (write_error) {
    co_return Unexpected(
        failure(StoreErrorKind::closed,
                "redis " + endpoint_name_ + ": write failed: " + write_error.message()));
  }
  std::array<char, 4096> buffer;
  for (;;) {
    auto decoded = decoder_.next();
    if (!decoded) {
      co_return Unexpected(
          failure(StoreErrorKind::protocol, "redis " + endpoint_name_ + ": " + decoded.error()));
    }
    if (decoded->has_value()) {
      if (decoder_.buffered() != 0) {
        co_return Unexpected(failure(StoreErrorKind::protocol,
                                     "redis " + endpoint_name_ + ": bytes after the reply"));
      }
      co_return std::move(**decoded);
    }
    auto [read_error, n] = co_await socket_->socket.async_read_some(asio::buffer(buffer), kNoThrow);
    if (read_error) {
      const bool eof = read_error == asio::error::eof;
      co_return Unexpected(
          failure(StoreErrorKind::closed, "redis " + endpoint_name_ +
                                              (eof ? ": the server closed the connection"
                                                   : ": read failed: " + read_error.message())));
    }
    decoder_.feed(std::string_view(buffer.data(), n));
  }
}

asio::awaitable<Reply> RedisConnection::call(std::span<const std::string_view> arguments,
                                             std::chrono::milliseconds timeout) {
  using namespace asio::experimental::awaitable_operators;
  if (broken_) {
    co_return Unexpected(
        failure(StoreErrorKind::closed, "redis " + endpoint_name_ + ": connection already broken"));
  }
  std::string command = encode_command(arguments);
  asio::steady_timer deadline(co_await asio::this_coro::executor);
  deadline.expires_after(timeout);
  // Racing a timer needs a result that exists even for the cancelled side: an optional.
  auto guarded = [this](std::string c) -> asio::awaitable<std::optional<Reply>> {
    co_return co_await exchange(std::move(c));
  };
  auto raced = co_await (guarded(std::move(command)) || deadline.async_wait(kNoThrow));
  if (raced.index() == 1 || !std::get<0>(raced)) {
    close();
    co_return Unexpected(
        failure(StoreErrorKind::timeout,
                "redis " + endpoint_name_ + ": no reply within " + milliseconds_text(timeout)));
  }
  Reply reply = std::move(*std::get<0>(raced));
  if (!reply) close();
  co_return reply;
}

}  // namespace upgate::limits
