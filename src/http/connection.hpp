// Internal: one accepted TCP connection serving HTTP/1.1 requests one after another.
//
// The Connection object lives in its own coroutine frame (serve_connection) and registers
// with its Worker, which enforces its deadline and tells it about shutdown. Per request it
// parses the header, calls the handler with an Exchange (the public face of this object),
// makes sure a complete response went out, and then either keeps the connection (keep-alive,
// the unread rest of the body drained) or closes it after a lingering drain.
//
// The same code serves plain TCP and TLS: every read and write goes through stream_op(),
// which hands the operation the TLS stream when there is one and the socket otherwise (one
// branch per operation; the plain path does no more than before). Over TLS the handshake
// comes first, under its own deadline; writes are gathered into records of up to 16 KiB
// (Asio's TLS stream writes one buffer per call); and the close sends close_notify before
// the lingering drain, which then reads raw bytes off the socket.
#pragma once

#include <upgate/http/exchange.hpp>
#include <upgate/http/request.hpp>

#include "transfer_pace.hpp"
#include "worker.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace upgate::http {
class TlsContext;
}

namespace upgate::http::detail {

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// What Request reads: the parser's header plus the framing the parser derived from it.
struct ParsedHead {
  const boost::beast::http::request_header<>* header = nullptr;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = false;
};

boost::asio::awaitable<void> serve_connection(Worker& worker, boost::asio::ip::tcp::socket socket,
                                              ConnectionCaps::Slot slot);

class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  Connection(Worker& worker, boost::asio::ip::tcp::socket socket, ConnectionCaps::Slot slot);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  boost::asio::awaitable<void> run();

  // --- for the Worker (same thread) ---
  // Cancels the pending operation when its deadline has passed.
  void check_deadline(Clock::time_point now);
  // Idle between requests (or still in the TLS handshake): may be closed at once on
  // shutdown; between requests its buffers may be released.
  bool idle() const noexcept { return phase_ == Phase::idle || phase_ == Phase::handshaking; }
  void release_idle_memory() noexcept;
  void force_close() noexcept;
  std::size_t registry_index = 0;

  // --- for Exchange ---
  const Request& request() const noexcept { return *request_; }
  std::string_view request_id() const noexcept { return {request_id_.data(), request_id_.size()}; }
  std::string remote_endpoint() const;
  std::uint64_t body_limit() const noexcept { return body_limit_; }
  void set_body_limit(std::uint64_t limit) noexcept { body_limit_ = limit; }
  boost::asio::awaitable<Expected<std::size_t, BodyError>> read_body_some(char* data,
                                                                          std::size_t size,
                                                                          std::uint64_t limit);
  boost::asio::awaitable<Expected<std::string, BodyError>> read_body(std::size_t max_bytes);
  bool body_complete() const noexcept { return body_done_; }
  std::uint64_t body_bytes_read() const noexcept { return body_read_; }
  boost::asio::awaitable<Expected<void, WriteError>> respond(const Response& response);
  boost::asio::awaitable<Expected<void, WriteError>> write_header(const Response& head,
                                                                  BodyFraming framing);
  boost::asio::awaitable<Expected<void, WriteError>> write_body_chunk(std::string_view bytes);
  boost::asio::awaitable<Expected<void, WriteError>> finish();
  bool responded() const noexcept { return response_state_ != ResponseState::none; }
  int response_status() const noexcept { return status_; }
  void close_after_response() noexcept { close_requested_ = true; }
  void set_route_name(std::string_view name) noexcept { route_name_ = name; }
  boost::asio::awaitable<void> run_blocking(std::function<void()> fn);
  boost::asio::any_io_executor blocking_executor() const noexcept {
    return worker_.shared().blocking_pool->get_executor();
  }

 private:
  enum class Phase : std::uint8_t { handshaking, idle, reading_header, handling, closing };
  enum class BodyMode : std::uint8_t { none, length, chunked };
  enum class ResponseState : std::uint8_t { none, header_pending, streaming, complete };
  enum class StreamFraming : std::uint8_t { length, chunked, until_close, none };

  // The socket under the TLS stream, or the plain one.
  boost::asio::ip::tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : socket_; }
  const boost::asio::ip::tcp::socket& socket() const noexcept {
    return tls_ ? tls_->next_layer() : socket_;
  }
  // op(stream) with the TLS stream or the plain socket; both calls yield the same awaitable.
  template <class Op>
  auto stream_op(Op&& op) {
    return tls_ ? op(*tls_) : op(socket_);
  }
  // False when the handshake failed or timed out (the connection just closes).
  boost::asio::awaitable<bool> handshake();
  // True when the TLS layer already holds bytes the socket will not signal again.
  bool tls_input_pending() const noexcept;
  boost::asio::awaitable<bool> write_all_tls(const boost::asio::const_buffer* buffers,
                                             std::size_t count);
  // Sends close_notify, bounded by the deadline armed by the caller.
  boost::asio::awaitable<void> send_close_notify();

  // One request; false when the connection must close afterwards.
  boost::asio::awaitable<bool> serve_one(bool first);
  boost::asio::awaitable<bool> wait_for_request(bool first);
  // Answers a request refused before its handler ran, then closes.
  boost::asio::awaitable<void> reject_request(Refusal refusal, int status, std::string_view why);
  // What the server sends on its own: the owner's wording (ServerConfig::error_renderer)
  // or the plain reason phrase.
  Response refusal_response(Refusal refusal, int status) const;
  void start_request();
  void assign_request_id() noexcept;
  BodyError closed_reason() const noexcept;
  void finish_request_record(std::string_view error);
  boost::asio::awaitable<void> respond_for_handler();
  boost::asio::awaitable<bool> drain_body();
  boost::asio::awaitable<void> lingering_close();
  boost::asio::awaitable<Expected<void, BodyError>> send_continue_if_pending();

  // Builds the status line and fields into head_ (with Date, framing, Connection).
  void serialize_head(const Response& head, StreamFraming framing, std::uint64_t length);
  bool decide_keep_alive() const noexcept;
  // Writes count (<= 4) buffers, the deadline re-armed on every partial write; false when
  // the socket failed (recorded in socket_failed_).
  boost::asio::awaitable<bool> write_all(const boost::asio::const_buffer* buffers,
                                         std::size_t count);

  // A write failed: nothing more is written and the connection closes; when it timed out
  // (the peer reads too slowly) the close is a reset (SO_LINGER 0).
  void write_failed() noexcept;
  void arm(std::chrono::milliseconds timeout) noexcept { deadline_ = Clock::now() + timeout; }
  // The idle timeout, or the end of the pace's allowance when that comes first.
  void arm_paced(std::chrono::milliseconds timeout, const TransferPace& pace) noexcept {
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::min<std::chrono::nanoseconds>(timeout, pace.allowance()));
  }
  // Records an operation begun at `began` that moved `bytes`; false (and timed out) when
  // the pace's window closed below its rate.
  bool paced(TransferPace& pace, Clock::time_point began, std::size_t bytes) noexcept {
    if (pace.record(Clock::now() - began, bytes)) return true;
    timed_out_ = true;
    return false;
  }
  void disarm() noexcept { deadline_ = Clock::time_point::max(); }

  Worker& worker_;
  const ServerConfig& config_;
  boost::asio::ip::tcp::socket socket_;  // moved into tls_ when the server speaks TLS
  std::unique_ptr<TlsStream> tls_;
  std::shared_ptr<const TlsContext> tls_context_;  // the pair this connection was accepted with
  std::string tls_record_;                         // TLS writes gathered into one record
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> parser_;
  std::string head_;  // serialised response header, reused
  // "ADDRESS:PORT" of the peer, asked of the kernel once: a connection's peer never changes.
  mutable std::string remote_endpoint_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timed_out_ = false;
  bool must_close_ = false;            // stream position unknown: never reuse the connection
  bool socket_failed_ = false;         // a read or write failed: write nothing more
  std::array<char, 24> chunk_line_{};  // "<hex size>\r\n" of the chunk being written
  Phase phase_ = Phase::handshaking;
  Clock::time_point header_deadline_{};  // the first request's header: from the start
  TransferPace body_pace_;
  TransferPace send_pace_;
  ConnectionCaps::Slot slot_;  // this connection's place under the caps
  unsigned requests_served_ = 0;

  // Per request.
  ParsedHead head_view_;
  std::optional<Request> request_;
  Exchange exchange_;
  std::array<char, 16> request_id_{};
  std::string_view route_name_;
  Clock::time_point started_{};
  BodyMode body_mode_ = BodyMode::none;
  bool body_done_ = true;
  bool continue_pending_ = false;
  std::optional<BodyError> body_error_;
  std::uint64_t body_limit_ = 0;
  std::uint64_t body_read_ = 0;
  std::uint64_t body_remaining_ = 0;  // BodyMode::length
  ResponseState response_state_ = ResponseState::none;
  StreamFraming stream_framing_ = StreamFraming::none;
  bool discard_body_out_ = false;  // HEAD, 204, 304
  bool keep_alive_ = false;        // decided when the response header is built
  bool close_requested_ = false;
  int status_ = 0;
  std::uint64_t declared_length_ = 0;
  std::uint64_t bytes_out_ = 0;
};

}  // namespace upgate::http::detail
