#include "connection.hpp"

#include "http_date.hpp"

#include <upgate/http/tls_context.hpp>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <exception>

#include "upgate/text.hpp"

namespace upgate::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

// Completion token that reports errors as values: a closed connection is normal, not
// exceptional, and exceptions on the hot path are slow.
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
constexpr std::string_view kCrLf = "\r\n";
constexpr std::size_t kChunkedReadReserve = 16 * 1024;
constexpr std::size_t kLingerMaxBytes = 4 * 1024 * 1024;
// The largest TLS record's payload: writes are gathered up to this size.
constexpr std::size_t kTlsRecordBytes = 16 * 1024;

// Beast's verb of each Method but `other`, in Method's order.
constexpr bhttp::verb kVerbs[] = {bhttp::verb::get,  bhttp::verb::head,    bhttp::verb::post,
                                  bhttp::verb::put,  bhttp::verb::delete_, bhttp::verb::options,
                                  bhttp::verb::patch};
static_assert(std::size(kVerbs) == static_cast<std::size_t>(Method::other));

Method method_of(bhttp::verb v) noexcept {
  for (std::size_t i = 0; i < std::size(kVerbs); ++i) {
    if (kVerbs[i] == v) return static_cast<Method>(i);
  }
  return Method::other;
}

// Errors of the socket itself (peer closed, reset, cancelled) as opposed to protocol errors.
// A TLS failure (a bad record, a truncated stream) ends the connection the same way.
bool is_transport_error(const boost::system::error_code& ec) noexcept {
  return ec.category() == asio::error::get_system_category() ||
         ec.category() == asio::error::get_misc_category() || ec == bhttp::error::end_of_stream ||
         ec == bhttp::error::partial_message || ec.category() == asio::error::get_ssl_category() ||
         ec.category() == asio::ssl::error::get_stream_category();
}

// RFC 9112 6.3: a request whose Transfer-Encoding does not end in chunked has no
// determinable length (400, and Beast would read it as bodiless: a smuggling vector).
// Codings other than chunked are not implemented (501): handlers would get encoded bytes.
int transfer_coding_refusal(const bhttp::request_header<>& header) {
  bool any = false;
  bool last_is_chunked = false;
  bool other = false;
  for (const auto& field : header) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    std::string_view list(field.value().data(), field.value().size());
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string_view coding = text::trim(list.substr(0, comma));
      if (!coding.empty()) {
        any = true;
        last_is_chunked = text::iequals(coding, "chunked");
        if (!last_is_chunked) other = true;
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  if (!any) return 0;
  if (!last_is_chunked) return 400;
  return other ? 501 : 0;
}

void append_decimal(std::string& out, std::uint64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  (void)ec;
  out.append(digits, end);
}

}  // namespace

asio::awaitable<void> serve_connection(Worker& worker, tcp::socket socket,
                                       ConnectionCaps::Slot slot) {
  Connection connection(worker, std::move(socket), std::move(slot));
  co_await connection.run();
}

Connection::Connection(Worker& worker, tcp::socket socket, ConnectionCaps::Slot slot)
    : worker_(worker),
      config_(worker.shared().config),
      socket_(std::move(socket)),
      body_pace_(config_.body_min_rate, config_.min_rate_window),
      send_pace_(config_.send_min_rate, config_.min_rate_window),
      slot_(std::move(slot)),
      exchange_(*this) {
  if (const auto* certificates = worker.shared().tls) {
    // The pair current at accept time; a reload later affects only newer connections.
    tls_context_ = certificates->current();
    if (SSL* ssl = SSL_new(tls_context_->native_handle())) {
      tls_ = std::make_unique<TlsStream>(std::move(socket_), ssl);
    } else {
      socket_failed_ = true;  // out of memory: close without a word
    }
  }
  worker_.add(*this);
}

Connection::~Connection() {
  worker_.remove(*this);
  boost::system::error_code ignored;
  socket().close(ignored);
}

std::string Connection::remote_endpoint() const {
  if (!remote_endpoint_.empty()) return remote_endpoint_;
  boost::system::error_code ec;
  auto ep = socket().remote_endpoint(ec);
  if (ec) return {};
  remote_endpoint_ = ep.address().to_string();
  remote_endpoint_ += ':';
  append_decimal(remote_endpoint_, ep.port());
  return remote_endpoint_;
}

void Connection::check_deadline(Clock::time_point now) {
  if (now < deadline_) return;
  deadline_ = Clock::time_point::max();
  timed_out_ = true;
  boost::system::error_code ignored;
  socket().cancel(ignored);
}

BodyError Connection::closed_reason() const noexcept {
  // Past the shutdown grace the server itself closed the socket.
  return worker_.stopping() ? BodyError::shutting_down : BodyError::closed;
}

void Connection::release_idle_memory() noexcept {
  if (phase_ != Phase::idle || buffer_.size() != 0) return;
  buffer_.shrink_to_fit();
  std::string().swap(head_);
  std::string().swap(tls_record_);
}

void Connection::write_failed() noexcept {
  socket_failed_ = true;
  must_close_ = true;
  if (!timed_out_) return;
  // A peer that reads too slowly (write idle timeout or send rate): the close resets the
  // connection (SO_LINGER 0) instead of leaving what it never read queued in the kernel,
  // where an orphaned socket would keep delivering it to the slow reader for minutes.
  boost::system::error_code ignored;
  socket().set_option(tcp::socket::linger(true, 0), ignored);
}

void Connection::force_close() noexcept {
  must_close_ = true;
  socket_failed_ = true;
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

asio::awaitable<void> Connection::run() {
  if (socket_failed_) co_return;  // no TLS session could be made for this socket
  if (tls_ && !co_await handshake()) co_return;
  bool first = true;
  while (co_await serve_one(first)) first = false;
  if (!socket_failed_) co_await lingering_close();
}

asio::awaitable<bool> Connection::handshake() {
  arm(worker_.shared().tls_handshake_timeout);
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, kNoThrow);
  disarm();
  if (ec || worker_.stopping()) {
    socket_failed_ = true;  // nothing can be said to a peer without a session
    co_return false;
  }
  co_return true;
}

bool Connection::tls_input_pending() const noexcept {
  if (!tls_) return false;
  SSL* ssl = const_cast<TlsStream&>(*tls_).native_handle();
  // Decrypted bytes not yet read, or records already moved off the socket into the TLS
  // stream's buffer (both arrive with a read that asked for less).
  return SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
}

asio::awaitable<bool> Connection::wait_for_request(bool first) {
  if (buffer_.size() > 0) co_return !worker_.stopping();  // pipelined request already here
  if (worker_.stopping()) co_return false;
  if (tls_input_pending()) co_return true;  // the socket will not signal these bytes again
  phase_ = Phase::idle;
  // Waiting for readability rather than reading keeps the buffer free while idle, so the
  // sweeper may release it: 10k idle keep-alive connections then cost no read buffers.
  // A new connection's header deadline starts now: the wait for its first byte counts.
  if (first) header_deadline_ = Clock::now() + config_.read_header_timeout;
  if (first) {
    deadline_ = header_deadline_;
  } else {
    arm(config_.keep_alive_timeout);
  }
  auto [ec] = co_await socket().async_wait(tcp::socket::wait_read, kNoThrow);
  disarm();
  if (ec || timed_out_ || worker_.stopping()) co_return false;
  co_return true;
}

asio::awaitable<bool> Connection::serve_one(bool first) {
  if (!co_await wait_for_request(first)) {
    socket_failed_ = socket_failed_ || timed_out_;  // nothing to say on a silent close
    co_return false;
  }
  phase_ = Phase::reading_header;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(config_.max_header_bytes));
  parser_->body_limit(boost::none);  // enforced per read, since handlers may raise it
  // The whole header within read_header_timeout, however its bytes trickle in.
  if (first && header_deadline_ != Clock::time_point{}) {
    deadline_ = header_deadline_;
  } else {
    arm(config_.read_header_timeout);
  }
  auto [ec, ignored_bytes] = co_await stream_op(
      [&](auto& stream) { return bhttp::async_read_header(stream, buffer_, *parser_, kNoThrow); });
  disarm();
  if (ec) {
    if (ec == bhttp::error::header_limit) {
      co_await reject_request(Refusal::header_too_large, 431, "request header too large");
    } else if (!timed_out_ && !is_transport_error(ec)) {
      co_await reject_request(Refusal::malformed_request, 400, "malformed request");
    } else {
      socket_failed_ = true;  // timeout, peer gone: close without a word
    }
    co_return false;
  }

  if (parser_->get().version() >= 11 && parser_->get().count(bhttp::field::host) != 1) {
    // RFC 9112 3.2: exactly one Host on HTTP/1.1. The store signs and routes on it.
    co_await reject_request(Refusal::missing_host, 400, "missing or repeated Host");
    co_return false;
  }
  if (auto refusal = transfer_coding_refusal(parser_->get()); refusal != 0) {
    co_await reject_request(
        refusal == 501 ? Refusal::unsupported_transfer_coding : Refusal::unframed_transfer_coding,
        refusal, "unsupported Transfer-Encoding");
    co_return false;
  }
  start_request();
  phase_ = Phase::handling;
  std::string handler_error;
  try {
    co_await worker_.shared().handler(exchange_);
  } catch (const std::exception& e) {
    handler_error = "handler threw: ";
    handler_error += e.what();
  } catch (...) {
    handler_error = "handler threw";
  }
  if (!handler_error.empty()) must_close_ = true;
  co_await respond_for_handler();
  finish_request_record(handler_error);
  request_.reset();

  if (socket_failed_ || must_close_ || !keep_alive_) co_return false;
  if (!body_done_ && !co_await drain_body()) co_return false;
  parser_.reset();
  co_return true;
}

void Connection::start_request() {
  auto& message = parser_->get();
  head_view_.header = &message.base();
  if (auto length = parser_->content_length()) {
    head_view_.content_length = *length;
  } else {
    head_view_.content_length.reset();
  }
  head_view_.chunked = parser_->chunked();
  head_view_.keep_alive = parser_->keep_alive();
  const bool has_body = !parser_->is_done();
  bool expects_continue = false;
  if (message.version() >= 11 && has_body) {
    auto it = message.find(bhttp::field::expect);
    expects_continue = it != message.end() && text::iequals(it->value(), "100-continue");
  }
  const auto target = message.target();
  request_.emplace(head_view_, method_of(message.method()),
                   std::string_view(target.data(), target.size()), expects_continue);

  assign_request_id();
  route_name_ = {};
  started_ = Clock::now();
  body_mode_ = !has_body ? BodyMode::none
                         : (head_view_.content_length ? BodyMode::length : BodyMode::chunked);
  body_done_ = !has_body;
  continue_pending_ = expects_continue;
  body_error_.reset();
  body_limit_ = config_.body_limit;
  body_read_ = 0;
  body_remaining_ = body_mode_ == BodyMode::length ? *head_view_.content_length : 0;
  body_pace_.restart();
  send_pace_.restart();
  response_state_ = ResponseState::none;
  stream_framing_ = StreamFraming::none;
  discard_body_out_ = false;
  keep_alive_ = false;
  close_requested_ = false;
  status_ = 0;
  declared_length_ = 0;
  bytes_out_ = 0;
  ++requests_served_;
}

void Connection::assign_request_id() noexcept {
  std::uint64_t id = worker_.next_request_id();
  for (int i = 15; i >= 0; --i, id >>= 4) request_id_[i] = text::kHexLower[id & 0xf];
}

void Connection::finish_request_record(std::string_view error) {
  const auto& observer = worker_.shared().observer;
  if (!observer) return;
  RequestRecord record;
  if (request_) {
    record.method = request_->method_name();
    record.path = request_->path();
  }
  record.route = route_name_;
  record.request_id = request_id();
  record.status = status_;
  record.bytes_in = body_read_;
  record.bytes_out = bytes_out_;
  record.duration = Clock::now() - started_;
  record.error = error;
  try {
    observer(record);
  } catch (...) {
    // An observer failure must not take the connection down; there is nowhere to report it.
  }
}

Response Connection::refusal_response(Refusal refusal, int status) const {
  if (const auto& render = config_.error_renderer) {
    try {
      return render(RefusalContext{refusal, status, request_id(), request_ ? &*request_ : nullptr});
    } catch (...) {
      // The owner's wording failed; the plain answer still tells the client what happened.
    }
  }
  return Response::status_only(status);
}

asio::awaitable<void> Connection::reject_request(Refusal refusal, int status,
                                                 std::string_view why) {
  request_.reset();
  assign_request_id();
  started_ = Clock::now();
  must_close_ = true;  // so serialize_head writes Connection: close and never reads request_
  body_read_ = 0;
  bytes_out_ = 0;
  route_name_ = {};
  const Response response = refusal_response(refusal, status);
  const std::string_view body = response.body();
  serialize_head(response, StreamFraming::length, body.size());
  status_ = response.status();
  const std::array<asio::const_buffer, 2> whole{asio::buffer(head_),
                                                asio::buffer(body.data(), body.size())};
  if (co_await write_all(whole.data(), whole.size())) bytes_out_ = body.size();
  finish_request_record(why);
}

asio::awaitable<void> Connection::respond_for_handler() {
  if (socket_failed_) co_return;
  if (response_state_ == ResponseState::none) {
    Refusal refusal = Refusal::handler_failed;
    int status = 500;
    if (body_error_) {
      switch (*body_error_) {
        case BodyError::too_large:
          refusal = Refusal::body_too_large;
          status = 413;
          break;
        case BodyError::malformed:
          refusal = Refusal::malformed_body;
          status = 400;
          break;
        case BodyError::timeout:
          refusal = Refusal::body_timeout;
          status = 408;
          break;
        default:
          break;
      }
    }
    (void)co_await respond(refusal_response(refusal, status));
  } else if (response_state_ != ResponseState::complete) {
    (void)co_await finish();
  }
}

// --- body ------------------------------------------------------------------------------

asio::awaitable<Expected<void, BodyError>> Connection::send_continue_if_pending() {
  if (!continue_pending_) co_return Expected<void, BodyError>{};
  continue_pending_ = false;
  if (response_state_ != ResponseState::none) {
    // A final response already told the client not to send the body.
    co_return Unexpected(BodyError::closed);
  }
  const asio::const_buffer interim = asio::buffer(kContinue.data(), kContinue.size());
  if (!co_await write_all(&interim, 1)) {
    co_return Unexpected(BodyError::closed);
  }
  co_return Expected<void, BodyError>{};
}

asio::awaitable<Expected<std::size_t, BodyError>> Connection::read_body_some(char* data,
                                                                             std::size_t size,
                                                                             std::uint64_t limit) {
  if (body_error_) co_return Unexpected(*body_error_);
  if (body_done_) co_return std::size_t{0};
  if (size == 0) co_return Unexpected(BodyError::malformed);  // precondition: never busy-loop
  if (body_mode_ == BodyMode::length && body_read_ + body_remaining_ > limit) {
    body_error_ = BodyError::too_large;  // refused before a byte is read or invited
    co_return Unexpected(*body_error_);
  }
  if (socket_failed_) {
    body_error_ = closed_reason();
    co_return Unexpected(*body_error_);
  }
  if (auto sent = co_await send_continue_if_pending(); !sent) {
    body_error_ = sent.error();
    must_close_ = true;
    co_return Unexpected(*body_error_);
  }

  if (body_mode_ == BodyMode::length) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(size, body_remaining_));
    std::size_t n = 0;
    if (buffer_.size() > 0) {
      // Bytes that arrived with the header; after them, read straight into the caller's
      // buffer so a large upload is copied once, by the kernel.
      n = std::min(want, buffer_.size());
      std::memcpy(data, buffer_.data().data(), n);
      buffer_.consume(n);
    } else {
      arm_paced(config_.body_idle_timeout, body_pace_);
      const auto began = Clock::now();
      auto [ec, got] = co_await stream_op(
          [&](auto& stream) { return stream.async_read_some(asio::buffer(data, want), kNoThrow); });
      disarm();
      if (!ec && !paced(body_pace_, began, got)) ec = asio::error::timed_out;
      if (ec) {
        body_error_ = timed_out_ ? BodyError::timeout : closed_reason();
        must_close_ = true;
        if (!timed_out_) socket_failed_ = true;
        co_return Unexpected(*body_error_);
      }
      n = got;
    }
    body_read_ += n;
    body_remaining_ -= n;
    body_done_ = body_remaining_ == 0;
    co_return n;
  }

  // Chunked: the parser removes the framing and copies the data into the caller's buffer.
  if (buffer_.capacity() < kChunkedReadReserve) buffer_.reserve(kChunkedReadReserve);
  auto& body = parser_->get().body();
  while (true) {
    body.data = data;
    body.size = size;
    body.more = true;
    arm_paced(config_.body_idle_timeout, body_pace_);
    const auto began = Clock::now();
    auto [ec, consumed] = co_await stream_op(
        [&](auto& stream) { return bhttp::async_read_some(stream, buffer_, *parser_, kNoThrow); });
    disarm();
    if ((!ec || ec == bhttp::error::need_buffer) && !paced(body_pace_, began, consumed)) {
      ec = asio::error::timed_out;
    }
    const std::size_t produced = size - body.size;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      must_close_ = true;
      if (timed_out_) {
        body_error_ = BodyError::timeout;
      } else if (is_transport_error(ec)) {
        body_error_ = closed_reason();
        socket_failed_ = true;
      } else {
        body_error_ = BodyError::malformed;
      }
      co_return Unexpected(*body_error_);
    }
    body_read_ += produced;
    if (body_read_ > limit) {
      body_error_ = BodyError::too_large;
      must_close_ = true;  // the rest of a chunked body has no known size to drain
      co_return Unexpected(*body_error_);
    }
    body_done_ = parser_->is_done();
    if (produced > 0 || body_done_) co_return produced;
  }
}

asio::awaitable<Expected<std::string, BodyError>> Connection::read_body(std::size_t max_bytes) {
  std::string out;
  if (body_mode_ == BodyMode::length) {
    if (body_read_ + body_remaining_ > max_bytes) {
      body_error_ = BodyError::too_large;
      co_return Unexpected(*body_error_);
    }
    out.resize(static_cast<std::size_t>(body_remaining_));
    std::size_t got = 0;
    while (got < out.size()) {
      auto n = co_await read_body_some(out.data() + got, out.size() - got, max_bytes);
      if (!n) co_return Unexpected(n.error());
      if (*n == 0) break;
      got += *n;
    }
    out.resize(got);
    co_return out;
  }
  std::size_t got = 0;
  while (!body_done_) {
    if (got == out.size()) {
      const std::size_t grown = std::max<std::size_t>(4096, out.size() * 2);
      out.resize(std::min<std::size_t>(grown, max_bytes + 1));
      if (got == out.size()) break;  // max_bytes + 1 reached: read_body_some reports it
    }
    auto n = co_await read_body_some(out.data() + got, out.size() - got, max_bytes);
    if (!n) co_return Unexpected(n.error());
    got += *n;
  }
  if (body_error_) co_return Unexpected(*body_error_);
  out.resize(got);
  co_return out;
}

asio::awaitable<bool> Connection::drain_body() {
  // Only reached for a known, small (<= drain_limit) rest of the body.
  while (!body_done_) {
    if (buffer_.size() == 0) {
      arm_paced(config_.body_idle_timeout, body_pace_);
      const auto began = Clock::now();
      const auto space =
          buffer_.prepare(static_cast<std::size_t>(std::min<std::uint64_t>(body_remaining_, 4096)));
      auto [ec, got] =
          co_await stream_op([&](auto& stream) { return stream.async_read_some(space, kNoThrow); });
      disarm();
      if (ec || !paced(body_pace_, began, got)) co_return false;
      buffer_.commit(got);
    }
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), body_remaining_));
    buffer_.consume(n);
    body_remaining_ -= n;
    body_done_ = body_remaining_ == 0;
  }
  co_return true;
}

asio::awaitable<void> Connection::lingering_close() {
  // Closing a socket with unread input makes the kernel send RST, which can destroy the
  // response the client has not read yet (a 413 to an upload in progress). So: send FIN,
  // read and discard for a short, bounded while, then close.
  // Over TLS, close_notify goes first (the end of the response is then authenticated), and
  // the drain reads raw bytes: what arrives after our close is discarded undecrypted.
  phase_ = Phase::closing;
  const auto linger_end = Clock::now() + config_.linger_timeout;  // bounds both steps
  if (tls_) {
    deadline_ = linger_end;
    co_await send_close_notify();
    disarm();
  }
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_send, ignored);
  const bool input_may_follow = !body_done_ || buffer_.size() > 0 || must_close_;
  if (input_may_follow) {
    deadline_ = linger_end;
    std::size_t discarded = 0;
    buffer_.clear();
    while (discarded < kLingerMaxBytes) {
      auto [ec, got] = co_await socket().async_read_some(buffer_.prepare(4096), kNoThrow);
      if (ec) break;
      discarded += got;
    }
    disarm();
  }
  socket().close(ignored);
}

asio::awaitable<void> Connection::send_close_notify() {
  // Marking the peer's close_notify as received makes SSL_shutdown send ours and finish,
  // instead of waiting for an answer a client rarely sends.
  SSL_set_shutdown(tls_->native_handle(), SSL_RECEIVED_SHUTDOWN);
  (void)co_await tls_->async_shutdown(kNoThrow);
}

// --- response ------------------------------------------------------------------------

bool Connection::decide_keep_alive() const noexcept {
  if (!config_.keep_alive || close_requested_ || must_close_ || worker_.stopping()) return false;
  // Draining: the client should take its next request to another copy of the server.
  if (worker_.shared().draining.load(std::memory_order_relaxed)) return false;
  if (!request_ || !request_->keep_alive()) return false;
  if (config_.max_requests_per_connection != 0 &&
      requests_served_ >= config_.max_requests_per_connection) {
    return false;
  }
  if (!body_done_) {
    // The rest of the body must be skippable: known, small, and actually on its way.
    if (body_error_ || continue_pending_ || body_mode_ != BodyMode::length ||
        body_remaining_ > config_.drain_limit) {
      return false;
    }
  }
  return true;
}

void Connection::serialize_head(const Response& head, StreamFraming framing, std::uint64_t length) {
  keep_alive_ = decide_keep_alive() && framing != StreamFraming::until_close;
  head_.clear();
  head_ += "HTTP/1.1 ";
  append_decimal(head_, static_cast<std::uint64_t>(head.status()));
  head_ += ' ';
  head_ += reason_phrase(head.status());
  head_ += "\r\nDate: ";
  head_ += http_date_now();
  head_ += kCrLf;
  head_ += head.serialized_headers();
  head_ += config_.fixed_headers;
  switch (framing) {
    case StreamFraming::length:
      head_ += "Content-Length: ";
      append_decimal(head_, length);
      head_ += kCrLf;
      break;
    case StreamFraming::chunked:
      head_ += "Transfer-Encoding: chunked\r\n";
      break;
    case StreamFraming::until_close:
    case StreamFraming::none:
      break;
  }
  if (!keep_alive_) {
    head_ += "Connection: close\r\n";
  } else if (request_->version() < 11) {
    head_ += "Connection: keep-alive\r\n";
  }
  head_ += kCrLf;
}

asio::awaitable<bool> Connection::write_all(const asio::const_buffer* source, std::size_t count) {
  if (socket_failed_) co_return false;
  if (tls_) co_return co_await write_all_tls(source, count);
  std::array<asio::const_buffer, 4> buffers;
  std::copy_n(source, std::min(count, buffers.size()), buffers.begin());
  std::size_t first = 0;
  while (true) {
    while (first < count && buffers[first].size() == 0) ++first;
    if (first == count) co_return true;
    arm_paced(config_.write_idle_timeout, send_pace_);
    const auto began = Clock::now();
    auto [ec, written] = co_await socket_.async_write_some(
        std::span<const asio::const_buffer>(buffers.data() + first, count - first), kNoThrow);
    disarm();
    if (ec || !paced(send_pace_, began, written)) {
      write_failed();
      co_return false;
    }
    for (std::size_t i = first; i < count && written > 0; ++i) {
      const std::size_t n = std::min(written, buffers[i].size());
      buffers[i] += n;
      written -= n;
    }
  }
}

asio::awaitable<bool> Connection::write_all_tls(const asio::const_buffer* source,
                                                std::size_t count) {
  // Asio's TLS stream writes only the first buffer of a sequence per call, so a header and
  // a small body would go out as two records and two sends. Small pieces are gathered into
  // one record; a piece of a record or more, met with nothing gathered, goes out directly.
  auto write_fully = [this](asio::const_buffer buffer) -> asio::awaitable<bool> {
    while (buffer.size() > 0) {
      arm_paced(config_.write_idle_timeout, send_pace_);
      const auto began = Clock::now();
      auto [ec, written] = co_await tls_->async_write_some(buffer, kNoThrow);
      disarm();
      if (ec || !paced(send_pace_, began, written)) {
        write_failed();
        co_return false;
      }
      buffer += written;
    }
    co_return true;
  };
  tls_record_.clear();
  for (std::size_t i = 0; i < count; ++i) {
    asio::const_buffer piece = source[i];
    while (piece.size() > 0) {
      if (tls_record_.empty() && piece.size() >= kTlsRecordBytes) {
        if (!co_await write_fully(piece)) co_return false;
        break;
      }
      const std::size_t take = std::min(piece.size(), kTlsRecordBytes - tls_record_.size());
      tls_record_.append(static_cast<const char*>(piece.data()), take);
      piece += take;
      if (tls_record_.size() == kTlsRecordBytes) {
        if (!co_await write_fully(asio::buffer(tls_record_))) co_return false;
        tls_record_.clear();
      }
    }
  }
  if (!tls_record_.empty() && !co_await write_fully(asio::buffer(tls_record_))) co_return false;
  co_return true;
}

asio::awaitable<Expected<void, WriteError>> Connection::respond(const Response& response) {
  if (response_state_ != ResponseState::none) co_return Unexpected(WriteError::already_responded);
  const int status = response.status();
  const bool bodiless_status = status == 204 || status == 304 || (status >= 100 && status < 200);
  const std::string_view body = bodiless_status ? std::string_view{} : response.body();
  serialize_head(response, bodiless_status ? StreamFraming::none : StreamFraming::length,
                 body.size());
  status_ = status;
  response_state_ = ResponseState::complete;
  const bool send_body = request_->method() != Method::head;
  std::array<asio::const_buffer, 4> buffers{asio::buffer(head_),
                                            asio::buffer(body.data(), send_body ? body.size() : 0)};
  if (!co_await write_all(buffers.data(), 2)) co_return Unexpected(WriteError::closed);
  if (send_body) bytes_out_ = body.size();
  co_return Expected<void, WriteError>{};
}

asio::awaitable<Expected<void, WriteError>> Connection::write_header(const Response& head,
                                                                     BodyFraming framing) {
  if (response_state_ != ResponseState::none) co_return Unexpected(WriteError::already_responded);
  const int status = head.status();
  const bool bodiless_status = status == 204 || status == 304 || (status >= 100 && status < 200);
  if (bodiless_status) {
    stream_framing_ = StreamFraming::none;
  } else if (framing.length) {
    stream_framing_ = StreamFraming::length;
    declared_length_ = *framing.length;
  } else {
    stream_framing_ =
        request_->version() >= 11 ? StreamFraming::chunked : StreamFraming::until_close;
  }
  serialize_head(head, stream_framing_, declared_length_);
  discard_body_out_ = bodiless_status || request_->method() == Method::head;
  status_ = status;
  // The header waits for the first chunk (or finish()) so small responses take one write.
  response_state_ = ResponseState::header_pending;
  co_return Expected<void, WriteError>{};
}

asio::awaitable<Expected<void, WriteError>> Connection::write_body_chunk(std::string_view bytes) {
  if (response_state_ == ResponseState::none) co_return Unexpected(WriteError::not_started);
  if (response_state_ == ResponseState::complete) {
    co_return Unexpected(WriteError::already_responded);
  }
  if (socket_failed_) co_return Unexpected(WriteError::closed);
  if (stream_framing_ == StreamFraming::length && bytes_out_ + bytes.size() > declared_length_) {
    must_close_ = true;  // the response can no longer be completed as declared
    co_return Unexpected(WriteError::length_mismatch);
  }
  if (discard_body_out_ || bytes.empty()) co_return Expected<void, WriteError>{};

  std::array<asio::const_buffer, 4> buffers;
  std::size_t count = 0;
  if (response_state_ == ResponseState::header_pending) buffers[count++] = asio::buffer(head_);
  const bool chunked = stream_framing_ == StreamFraming::chunked;
  if (chunked) {
    auto [end, ec] = std::to_chars(chunk_line_.data(), chunk_line_.data() + 20, bytes.size(), 16);
    (void)ec;
    *end++ = '\r';
    *end++ = '\n';
    buffers[count++] = asio::buffer(chunk_line_.data(), end - chunk_line_.data());
  }
  buffers[count++] = asio::buffer(bytes.data(), bytes.size());
  if (chunked) buffers[count++] = asio::buffer(kCrLf.data(), kCrLf.size());
  response_state_ = ResponseState::streaming;
  if (!co_await write_all(buffers.data(), count)) co_return Unexpected(WriteError::closed);
  bytes_out_ += bytes.size();
  co_return Expected<void, WriteError>{};
}

asio::awaitable<Expected<void, WriteError>> Connection::finish() {
  if (response_state_ == ResponseState::none) co_return Unexpected(WriteError::not_started);
  if (response_state_ == ResponseState::complete) co_return Expected<void, WriteError>{};
  if (socket_failed_) {
    response_state_ = ResponseState::complete;
    co_return Unexpected(WriteError::closed);
  }
  if (stream_framing_ == StreamFraming::length && !discard_body_out_ &&
      bytes_out_ != declared_length_) {
    must_close_ = true;
    if (response_state_ == ResponseState::header_pending) {
      // Nothing has gone out yet, so the client can still get an honest error.
      response_state_ = ResponseState::none;
      (void)co_await respond(refusal_response(Refusal::handler_failed, 500));
    } else {
      // Fewer bytes than promised: the client would wait for the rest. Only closing ends it.
      response_state_ = ResponseState::complete;
    }
    co_return Unexpected(WriteError::length_mismatch);
  }
  std::array<asio::const_buffer, 4> buffers;
  std::size_t count = 0;
  if (response_state_ == ResponseState::header_pending) buffers[count++] = asio::buffer(head_);
  if (stream_framing_ == StreamFraming::chunked && !discard_body_out_) {
    buffers[count++] = asio::buffer(kLastChunk.data(), kLastChunk.size());
  }
  response_state_ = ResponseState::complete;
  if (count > 0 && !co_await write_all(buffers.data(), count))
    co_return Unexpected(WriteError::closed);
  co_return Expected<void, WriteError>{};
}

asio::awaitable<void> Connection::run_blocking(std::function<void()> fn) {
  auto* pool = worker_.shared().blocking_pool;
  // Completes on the connection's executor (the handler's associated executor), so the
  // coroutine never resumes on a pool thread.
  co_await asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr)>(
      [pool, &fn](auto handler) {
        auto io_executor = asio::get_associated_executor(handler);
        asio::post(*pool, [handler = std::move(handler), io_executor, &fn]() mutable {
          std::exception_ptr failure;
          try {
            fn();
          } catch (...) {
            failure = std::current_exception();
          }
          asio::post(io_executor, [handler = std::move(handler), failure]() mutable {
            std::move(handler)(failure);
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace upgate::http::detail
