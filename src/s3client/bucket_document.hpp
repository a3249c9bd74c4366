// What bucket_cors.cpp and bucket_lifecycle.cpp share: a bucket sub-resource that is one
// XML document (?cors, ?lifecycle), put after the caller's validation with the Content-MD5
// S3 requires, read as "none" when S3 answers the sub-resource's missing-document code,
// and deleted. Each caller keeps its own names, validation, parser and messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/error_response.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::s3client::bucket_document {

inline S3Call call(std::string operation, std::string method, std::string_view bucket,
                   std::string subresource) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::string(bucket);
  call.query = {{std::move(subresource), ""}};
  return call;
}

// `valid` is the caller's validation of the document: when it failed, nothing is sent and
// the error (kRequest) says "the <what> is invalid: ...".
inline Expected<void, ClientError> put(const S3Client& client, S3Call call,
                                       const Expected<void, s3::S3Error>& valid,
                                       std::string_view what, std::string xml) {
  if (!valid) {
    ClientError error;
    error.kind = ErrorKind::kRequest;
    error.operation = call.operation;
    error.message = "the " + std::string(what) + " is invalid: " + valid.error().explanation();
    return Unexpected(std::move(error));
  }
  call.headers = {{"Content-Type", "application/xml"}};
  call.body = std::move(xml);
  call.content_md5 = true;
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

// The answer to a GET of the document; nullopt when S3 answers `missing_code`.
inline Expected<std::optional<HttpResponse>, ClientError> get(const S3Client& client,
                                                              const S3Call& call,
                                                              std::string_view missing_code) {
  auto response = client.send(call);
  if (!response) {
    if (response.error().kind == ErrorKind::kS3 && response.error().code == missing_code) {
      return std::optional<HttpResponse>();
    }
    return Unexpected(std::move(response).error());
  }
  return std::optional<HttpResponse>(std::move(*response));
}

// A kResponse error: the document S3 sent does not read as one (`what_is_wrong`, e.g.
// "its CORS document is not S3's", then the parser's explanation).
inline ClientError unusable(const S3Call& call, const HttpResponse& response,
                            std::string_view what_is_wrong, const s3::S3Error& error) {
  return unusable_response(call.operation, response,
                           std::string(what_is_wrong) + ": " + printable(error.explanation(), 256));
}

inline Expected<void, ClientError> remove(const S3Client& client, const S3Call& call) {
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

}  // namespace upgate::s3client::bucket_document
