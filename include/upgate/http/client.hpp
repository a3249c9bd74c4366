// upgate::http::fetch: one outbound HTTP/1.1 request made from a coroutine on an I/O
// thread, for calls that sit on a request's path (the forward-auth hook) and so must
// never block the thread that serves other connections.
//
// Promises:
// - Nothing blocks: name resolution, connect, the TLS handshake, the write and the read
//   are asynchronous on the calling coroutine's executor, and the coroutine resumes there.
// - Bounded in time and size: `connect_timeout` covers resolution and connect, `timeout`
//   the whole exchange from the call to the last byte (neither is ever exceeded by more
//   than a timer's slack); the response header is bounded by max_response_header and the
//   body by max_response_body (more is ClientFailure::too_large, not a truncated body).
// - https:// peers are verified against the trust store of a TlsClientContext (the
//   system's, which honours SSL_CERT_FILE and SSL_CERT_DIR, or a CA file), with the host
//   name checked and sent as SNI. An https:// URL without a context is refused.
// - One connection per call, closed after the answer (Connection: close); no redirect is
//   followed (a 3xx is an answer like any other).
// - Host, Content-Length and Connection are written by fetch(); other headers are sent as
//   given, after CR, LF and NUL in names or values have made the request fail (bad_url)
//   rather than be split.
// - Failures are values: ClientError says which step failed and names the peer as
//   scheme://host:port, never a header, the body or the URL's path and query (which may
//   carry secrets), so the message is safe to log.
#pragma once

#include <upgate/expected.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace upgate::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port][/path][?query] or https://...; no user info
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{2000};  // the whole exchange
  std::size_t max_response_header = 16 * 1024;
  std::size_t max_response_body = 64 * 1024;
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;

  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view lower_case_name) const;
};

enum class ClientFailure : std::uint8_t {
  bad_url,    // not an http(s) URL fetch() can use, or a header with CR/LF/NUL
  resolve,    // the host name did not resolve
  connect,    // no connection (refused, unreachable)
  timeout,    // connect_timeout or timeout ran out
  tls,        // handshake or certificate verification failed, or no TlsClientContext
  exchange,   // the connection broke or the answer was not HTTP/1.x
  too_large,  // the response header or body is over its bound
};
std::string_view to_string(ClientFailure failure) noexcept;

struct ClientError {
  ClientFailure failure = ClientFailure::exchange;
  std::string message;  // one line, safe to log (see above)
};

// What https:// peers are verified against. Thread-safe once created; share one per
// configured destination.
class TlsClientContext {
 public:
  // `ca_file` empty: the system's default trust store.
  static Expected<std::shared_ptr<const TlsClientContext>, std::string> create(
      const std::string& ca_file = {});
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  explicit TlsClientContext(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

boost::asio::awaitable<Expected<ClientResponse, ClientError>> fetch(
    ClientRequest request, std::shared_ptr<const TlsClientContext> tls = nullptr);

}  // namespace upgate::http
