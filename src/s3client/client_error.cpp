#include "upgate/s3client/client_error.hpp"

#include "upgate/enum_names.hpp"

namespace upgate::s3client {
namespace {

constexpr std::string_view kTransportFailurePhrases[] = {"cannot resolve the host name",
                                                         "cannot connect (is the server running?)",
                                                         "timed out",
                                                         "TLS failed",
                                                         "the connection broke during the exchange",
                                                         "cancelled",
                                                         "the request could not be sent"};
static_assert(names_through(kTransportFailurePhrases, TransportFailure::kLocal));

std::string_view failure_phrase(TransportFailure failure) {
  return name_at(kTransportFailurePhrases, failure, "the request could not be sent");
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  const bool cut = text.size() > max_bytes;
  if (cut) text = text.substr(0, max_bytes);
  out.reserve(text.size() + 3);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t') {
      out.push_back(' ');
    } else {
      out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
    }
  }
  if (cut) out += "...";
  return out;
}

std::string ClientError::describe() const {
  std::string out;
  const std::string status = "HTTP " + std::to_string(http_status);
  switch (kind) {
    case ErrorKind::kS3:
      out = "S3 refused " + operation + ": " + code;
      if (!message.empty()) out += ": " + message;
      out += " (" + status;
      if (!request_id.empty()) out += ", request id " + request_id;
      out += ")";
      return out;
    case ErrorKind::kHttp:
      out = operation + " failed: " + status + " without an S3 error document";
      if (!message.empty()) out += ": " + message;
      if (!request_id.empty()) out += " (request id " + request_id + ")";
      return out;
    case ErrorKind::kTransport:
      out = operation + " could not reach " + (host.empty() ? "the server" : host) + ": " +
            std::string(failure_phrase(transport.value_or(TransportFailure::kLocal)));
      if (!message.empty()) out += " (" + message + ")";
      return out;
    case ErrorKind::kRequest:
      return operation + " was not sent: " + message;
    case ErrorKind::kResponse:
      out = operation + " answered " + status + " but " + message;
      if (!request_id.empty()) out += " (request id " + request_id + ")";
      return out;
  }
  return operation + ": " + message;
}

}  // namespace upgate::s3client
