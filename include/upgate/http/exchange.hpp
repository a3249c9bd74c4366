// upgate::http::Exchange: one request/response on a connection, as a handler sees it.
//
// The server calls the handler as soon as the request HEADER is parsed. The handler then
// decides whether and how to read the body and how to answer:
//
//   Handler h = [](Exchange& ex) -> boost::asio::awaitable<void> {
//     auto body = co_await ex.read_body(16 * 1024);           // small JSON body
//     if (!body) co_return;                                    // server answers 413/400/...
//     co_await ex.respond(Response::json(200, R"({"ok":true})"));
//   };
//
// Contract:
// - Body. Either read_body() (whole body into a string, bounded) or read_body_some()
//   (streaming into the caller's buffer, each read bounded by the body idle timeout and
//   the whole body by body_limit()). Content-Length over the limit is refused before any
//   body byte is read; a chunked body is refused when its running size passes the limit.
//   read_body_some() yields 0 once the body is complete.
// - Expect: 100-continue is answered lazily: "100 Continue" is written when the handler
//   first reads the body, never before, so a handler that rejects (bad signature, body too
//   large) does not invite the body.
// - Response. Either respond(Response) once, or write_header() then write_body_chunk()*
//   then finish(). With a Content-Length framing the handler must write exactly that many
//   bytes (more is refused with WriteError::length_mismatch, fewer makes finish() fail and
//   the connection close). The header is sent with the first body bytes (or at finish()),
//   so a streamed response that fails before its first byte becomes a 500. Chunked framing becomes
//   close-delimited for HTTP/1.0 clients. For HEAD requests the header is written (with the
//   Content-Length the handler gave) and body bytes are silently discarded.
// - If the handler returns without responding, the server answers for it: 413 after a
//   BodyError::too_large, 400 after BodyError::malformed, 500 otherwise (also when the
//   handler throws), worded by ServerConfig::error_renderer when the owner set one; a
//   streamed response left unfinished is finished (chunked) or the connection is closed
//   (Content-Length not reached).
// - Connection reuse. If the body was not read to the end when the response goes out, the
//   connection is kept only when the rest is known, small (ServerConfig::drain_limit) and
//   was not held back by an unanswered 100-continue; the server then discards it.
//   Otherwise the response carries Connection: close and the connection is closed after a
//   short lingering drain. A connection is never reused with an unknown stream position.
// - Everything here runs on the connection's I/O thread. Blocking work (fsync, large file
//   reads) goes through run_blocking(). One socket operation (body read or response
//   write) at a time per Exchange; run_blocking() may overlap one (e.g. reading the next
//   file piece while the previous one is written, with awaitable operator &&).
// - Errors are values: BodyError/WriteError say why; after a WriteError::closed the handler
//   should just return (the server closes the connection). Nothing here throws for I/O.
// - The Exchange and everything it hands out are valid until the handler returns.
#pragma once

#include <upgate/expected.hpp>
#include <upgate/http/request.hpp>
#include <upgate/http/response.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace upgate::http {

namespace detail {
class Connection;
}

enum class BodyError : std::uint8_t {
  too_large,      // Content-Length or running chunked size over the limit (server answers 413)
  timeout,        // no body byte within the body idle timeout
  closed,         // the peer closed or reset before the body was complete
  malformed,      // invalid chunked encoding (server answers 400)
  shutting_down,  // the connection was closed by the server's shutdown (grace expired)
};
std::string_view to_string(BodyError e) noexcept;

enum class WriteError : std::uint8_t {
  closed,  // peer gone or write idle timeout: stop producing, just return
  already_responded,
  not_started,      // write_body_chunk()/finish() without write_header()
  length_mismatch,  // more bytes than the declared Content-Length, or fewer at finish()
};
std::string_view to_string(WriteError e) noexcept;

// Framing of a streamed response: a known length, or chunked transfer coding.
struct BodyFraming {
  static BodyFraming content_length(std::uint64_t n) noexcept { return {n}; }
  static BodyFraming chunked() noexcept { return {}; }
  std::optional<std::uint64_t> length;
};

class Exchange {
 public:
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const Request& request() const noexcept;
  // 16 hex characters, unique per server process; for logs and x-amz-request-id.
  std::string_view request_id() const noexcept;
  // "a.b.c.d:port" of the peer.
  std::string remote_endpoint() const;

  // --- Body -------------------------------------------------------------------------
  // Limit for read_body_some(); starts at ServerConfig::body_limit. The store raises it
  // to 5 GiB before streaming a PUT. Must be set before the first body read.
  std::uint64_t body_limit() const noexcept;
  void set_body_limit(std::uint64_t limit) noexcept;

  // Reads up to buffer.size() body bytes; 0 means the body is complete (or there is none).
  // The buffer must not be empty (an empty one is refused as BodyError::malformed). With a
  // Content-Length body, bytes go from the socket straight into this buffer: give it
  // 64 KiB - 1 MiB for bulk uploads. Read the body before responding: once a response has
  // gone out, a body still held back by Expect: 100-continue is never invited.
  boost::asio::awaitable<Expected<std::size_t, BodyError>> read_body_some(std::span<char> buffer);
  // The whole body, refused with too_large beyond max_bytes (no byte read in that case when
  // the Content-Length says so).
  boost::asio::awaitable<Expected<std::string, BodyError>> read_body(std::size_t max_bytes);
  bool body_complete() const noexcept;
  std::uint64_t body_bytes_read() const noexcept;

  // --- Response -----------------------------------------------------------------------
  boost::asio::awaitable<Expected<void, WriteError>> respond(const Response& response);
  // The status and fields of `head` (its body is ignored), with the given framing.
  boost::asio::awaitable<Expected<void, WriteError>> write_header(const Response& head,
                                                                  BodyFraming framing);
  boost::asio::awaitable<Expected<void, WriteError>> write_body_chunk(std::string_view bytes);
  boost::asio::awaitable<Expected<void, WriteError>> finish();
  bool responded() const noexcept;
  // Status of the response written (0 before).
  int response_status() const noexcept;
  // Ask for Connection: close on the response (must precede respond()/write_header()).
  void close_after_response() noexcept;

  // The name the observer reports for this request (Router sets the matched route's).
  // The string must outlive the server (route names live in the Router).
  void set_route_name(std::string_view name) noexcept;

  // Runs fn on the server's blocking pool and resumes on this connection's thread. An
  // exception thrown by fn is rethrown here.
  boost::asio::awaitable<void> run_blocking(std::function<void()> fn);
  // The same pool as an executor, for work that chains its own steps there (a strand
  // per stage of a pipeline) instead of coming back to this thread between them. As with
  // run_blocking(), the handler must wait for everything it posted before it returns, and
  // posted work must not wait for other pool work (the pool is small and shared).
  boost::asio::any_io_executor blocking_executor() const noexcept;

 private:
  friend class detail::Connection;
  explicit Exchange(detail::Connection& connection) noexcept : connection_(connection) {}
  detail::Connection& connection_;
};

// The one handler type of the server, the Router and the static-file handlers.
using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;

}  // namespace upgate::http
