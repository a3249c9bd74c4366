// A blocking HTTP/1.1 client on libcurl for the command line: one request, one answer.
//
// Promises:
// - perform() sends exactly the headers given (plus Host, and Content-Length from the body;
//   curl's default Accept and Content-Type are removed), and the body from memory or
//   streamed from a file of known size, never read whole into memory.
// - Every transfer is bounded: a connect timeout, a stall timeout (no byte moved in either
//   direction for `stall_timeout`), an optional total timeout, and a cap on the response
//   body kept (the rest is read and dropped, so a large error page cannot exhaust memory).
// - A failure without an HTTP answer is a TransportError saying what failed, and whether
//   trying again may help (refused connection, reset, timeout) or not (bad URL, TLS
//   verification, a file that cannot be read).
// - on_progress, when set, is called with bytes sent so far and the body's total; return
//   false from it to cancel the transfer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "upgate/expected.hpp"

namespace upgate::cli {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                  // sent when body_file is empty
  std::string body_file;             // a path: the body is streamed from it
  std::uint64_t body_file_size = 0;  // bytes of body_file to send
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{60};
  std::chrono::seconds total_timeout{0};  // 0: none (large uploads take what they take)
  std::size_t max_response_body = 256 * 1024;
  std::function<bool(std::uint64_t sent, std::uint64_t total)> on_progress;
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;                                          // at most max_response_body

  // The first header of that (lower-case) name, or "".
  std::string header(std::string_view lower_case_name) const;
};

struct TransportError {
  std::string message;
  bool retryable = false;
  bool cancelled = false;
};

// Call once before any perform(), from main's thread.
void http_client_global_init();

Expected<HttpResponse, TransportError> perform(const HttpRequest& request);

}  // namespace upgate::cli
