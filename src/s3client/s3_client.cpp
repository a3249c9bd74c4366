#include "upgate/s3client/s3_client.hpp"

#include <chrono>

#include "upgate/s3client/error_response.hpp"
#include "upgate/s3client/signed_request.hpp"

namespace upgate::s3client {
namespace {

void redact(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  constexpr std::string_view kRedacted = sigv4::SecretKey::redacted();
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedacted.size())) {
    text.replace(at, secret.size(), kRedacted);
  }
}

ClientError scrubbed(ClientError error, const sigv4::Credentials& credentials) {
  for (std::string* field : {&error.host, &error.code, &error.message, &error.request_id}) {
    redact(*field, credentials.secret_access_key.reveal());
    redact(*field, credentials.session_token);
  }
  return error;
}

std::string host_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) url.remove_prefix(scheme_end + 3);
  return std::string(url.substr(0, url.find_first_of("/?#")));
}

}  // namespace

S3Client::S3Client(ClientOptions options) : options_(std::move(options)) {}

Expected<HttpResponse, ClientError> S3Client::send(const S3Call& call) const {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto request = build_signed_request(call, options_, now);
  if (!request) return Unexpected(scrubbed(std::move(request).error(), options_.credentials));

  auto response = perform(*request);
  if (!response) {
    ClientError error;
    error.kind = ErrorKind::kTransport;
    error.operation = call.operation;
    error.host = host_of(request->url);
    error.transport = response.error().failure;
    error.message = printable(response.error().message, 256);
    return Unexpected(scrubbed(std::move(error), options_.credentials));
  }
  if (response->status < 200 || response->status > 299) {
    return Unexpected(
        scrubbed(error_from_response(call.operation, *response), options_.credentials));
  }
  if (response->body_truncated) {
    return Unexpected(
        scrubbed(unusable_response(call.operation, *response,
                                   "its body is larger than the " +
                                       std::to_string(options_.max_response_body) + "-byte limit"),
                 options_.credentials));
  }
  return std::move(*response);
}

}  // namespace upgate::s3client
