// upgate::http error renderer: how the owner of a Server words the responses the server
// writes on its own — before any handler runs (an unreadable request, a header over the
// limit, a forbidden Transfer-Encoding) or for a handler that left its request unanswered.
//
// Promises:
// - The server calls ServerConfig::error_renderer once per such response, on the I/O
//   thread, with why it refuses and the status it would send by default. The Response that
//   comes back goes out as is (status, fields, body) with the server's framing: Date,
//   Content-Length and, before a handler ran, Connection: close. So an S3 front answers
//   400 RequestHeaderSectionTooLarge in S3's XML with its request id where the server
//   alone says 431 in plain text.
// - Without a renderer, or when it throws, the server sends Response::status_only(status).
// - request_id is the id the server assigned to this exchange (the one the observer gets).
// - The renderer must be quick, must not block, and must not keep the context's views.
#pragma once

#include <upgate/http/request.hpp>
#include <upgate/http/response.hpp>

#include <cstdint>
#include <functional>
#include <string_view>

namespace upgate::http {

enum class Refusal : std::uint8_t {
  header_too_large,             // 431: request line and fields over max_header_bytes
  malformed_request,            // 400: the request line or a field could not be parsed
  missing_host,                 // 400: HTTP/1.1 without exactly one Host
  unframed_transfer_coding,     // 400: a Transfer-Encoding that does not end in chunked
  unsupported_transfer_coding,  // 501: a coding other than chunked
  // The handler returned without answering after the body read failed:
  body_too_large,  // 413: over the body limit
  malformed_body,  // 400: broken chunked framing
  body_timeout,    // 408: the body stalled past the idle timeout
  handler_failed,  // 500: the handler threw, answered nothing, or wrote a short body
  // Before any request was read:
  over_capacity,  // 503: the connection is over max_connections (or per client); with
                  // ServerConfig::answer_over_capacity only
};

struct RefusalContext {
  Refusal refusal = Refusal::malformed_request;
  int status = 400;  // what the server sends without a renderer
  std::string_view request_id;
  // The parsed request when a handler ran; null when refused before that.
  const Request* request = nullptr;
};

using ErrorRenderer = std::function<Response(const RefusalContext&)>;

}  // namespace upgate::http
