// A libcurl POST client that keeps its connection open between requests: one per deliverer
// worker thread. s3client::perform() opens a connection per request, which at thousands of
// webhooks a second costs a TCP (and TLS) handshake each and leaves a TIME_WAIT socket each
// (bench/events_bench.cpp measures both).
//
// It speaks s3client's HttpRequest/HttpResponse so the deliverer can use either. Same
// bounds as perform(): connect, stall and total timeouts, a cap on the response body kept,
// TLS peers verified, no redirects followed. cancel() makes a transfer in progress on
// another thread stop at its next progress callback (the deliverer's shutdown).
#pragma once

#include <atomic>
#include <memory>

#include "upgate/expected.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::events::detail {

class KeepAliveClient {
 public:
  KeepAliveClient();
  ~KeepAliveClient();
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  // POST only (request.method is ignored); the body from request.body.
  Expected<s3client::HttpResponse, s3client::TransportError> post(
      const s3client::HttpRequest& request);

  void cancel() { cancelled_ = true; }

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace upgate::events::detail
