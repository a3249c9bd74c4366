// A blocking HTTP/1.1 client on libcurl: one request, one answer. The S3 client sends its
// signed requests through it, and `upgate upload` its API calls and presigned PUTs.
//
// Promises:
// - perform() sends exactly the headers given (plus Host, derived from the URL, and
//   Content-Length from the body; curl's default Accept and Content-Type are removed), and
//   the body from memory or streamed from a file of known size, never read whole into memory.
// - Every transfer is bounded: a connect timeout, a stall timeout (no byte moved in either
//   direction for `stall_timeout`), an optional total timeout, and a cap on the response
//   body kept (the rest is read and dropped, so a large error page cannot exhaust memory;
//   `body_truncated` says it happened).
// - TLS peers are always verified (certificate chain and host name), against the system's
//   CA store or `ca_file`. Redirects are never followed: a signed request is for one host.
// - A failure without an HTTP answer is a TransportError saying what failed (its kind, and
//   curl's one-line reason, which names the host but never a header or the body), and
//   whether trying again may help (refused connection, reset, timeout) or not (bad URL, TLS
//   verification, a file that cannot be read).
// - on_progress, when set, is called with bytes sent so far and the body's total; return
//   false from it to cancel the transfer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "upgate/expected.hpp"

namespace upgate::s3client {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                    // sent when body_file is empty
  std::string body_file;               // a path: the body is streamed from it
  std::uint64_t body_file_offset = 0;  // where in body_file the body starts (a part's offset)
  std::uint64_t body_file_size = 0;    // bytes of body_file to send
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{60};
  std::chrono::seconds total_timeout{0};  // 0: none (large uploads take what they take)
  std::size_t max_response_body = 256 * 1024;
  std::string ca_file;     // PEM bundle to verify TLS peers with; empty: the system's
  std::string connect_to;  // "HOST:PORT" to connect to instead of the URL's; empty: the URL's
  std::string user_agent = "upgate/0.1";
  std::function<bool(std::uint64_t sent, std::uint64_t total)> on_progress;
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;                                          // at most max_response_body
  bool body_truncated = false;  // the server sent more than max_response_body

  // The first header of that (lower-case) name, or "".
  std::string header(std::string_view lower_case_name) const;
};

enum class TransportFailure {
  kResolve,    // the host name did not resolve
  kConnect,    // no connection (refused, unreachable)
  kTimeout,    // connect, stall or total timeout
  kTls,        // TLS handshake or certificate verification
  kExchange,   // the connection broke or the answer was not HTTP
  kCancelled,  // on_progress said stop
  kLocal,      // bad URL, unreadable body file, libcurl could not start
};

struct TransportError {
  TransportFailure failure = TransportFailure::kLocal;
  std::string message;
  bool retryable = false;
  bool cancelled = false;
};

// Call once before any perform(), from main's thread.
void http_client_global_init();

Expected<HttpResponse, TransportError> perform(const HttpRequest& request);

}  // namespace upgate::s3client
