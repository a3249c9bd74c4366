// upgate::s3client::ClientError: why an S3 call made by upgate did not succeed.
//
// Every failure of the outbound client is one of these values, never an exception. The
// kind says where the call stopped; describe() is the one line a person reads:
//   kS3        S3 refused PutBucketCors: AccessDenied: Access Denied (HTTP 403, request id X)
//   kHttp      PutBucketCors failed: HTTP 502 without an S3 error document: <start of body>
//   kTransport PutBucketCors could not reach 127.0.0.1:9000: connection refused (curl's reason)
//   kRequest   PutBucketCors was not sent: <what was wrong with the input>
//   kResponse  PutBucketCors answered HTTP 200 but <what is wrong with the answer>
// Promises: every string here came from the server or the call's own inputs and has been
// cut to a bounded length with control characters replaced, so printing it cannot garble a
// terminal or a log line; no field ever holds a secret key or session token (the client
// scrubs them even if a server echoes one back).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "upgate/s3client/http_transport.hpp"

namespace upgate::s3client {

enum class ErrorKind {
  kRequest,    // the call could not be built (bad input, signing refused): nothing was sent
  kTransport,  // no HTTP answer: DNS, refused connection, timeout, TLS
  kS3,         // an error status with S3's XML error document
  kHttp,       // an error status without one (a proxy's page, an empty body)
  kResponse,   // a success status whose body could not be used
};

struct ClientError {
  ErrorKind kind = ErrorKind::kRequest;
  std::string operation;                      // "PutBucketCors"
  std::string host;                           // host[:port] the call went to, for transport errors
  long http_status = 0;                       // 0 when there was no HTTP answer
  std::string code;                           // S3's <Code> ("AccessDenied"), kS3 only
  std::string message;                        // S3's <Message>, or this kind's own reason
  std::string request_id;                     // <RequestId> or x-amz-request-id
  std::optional<TransportFailure> transport;  // kTransport only

  std::string describe() const;
};

// `text` as it may be shown on one line: tabs and line breaks become spaces, other control
// characters '?', cut to `max_bytes` (with "..." when cut).
std::string printable(std::string_view text, std::size_t max_bytes);

}  // namespace upgate::s3client
