// What bucket_cors.cpp and bucket_lifecycle.cpp share: a bucket sub-resource that is one
// XML document (?cors, ?lifecycle), put after the caller's validation with the Content-MD5
// S3 requires, read as "none" when S3 answers the sub-resource's missing-document code,
// and deleted. Each caller keeps its own names, validation, parser and messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/error_response.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::s3client::bucket_document {

// A bucket sub-resource and S3's names for it.
struct Subresource {
  std::string_view query;  // "cors": the query parameter that names it
  std::string_view put_operation, get_operation, delete_operation;
  std::string_view missing_code;  // the error code of a GET when the bucket has none
  std::string_view what;          // "CORS configuration", as messages name it
};

inline S3Call call(const Subresource& subresource, std::string_view operation, std::string method,
                   std::string_view bucket) {
  S3Call call;
  call.operation = std::string(operation);
  call.method = std::move(method);
  call.bucket = std::string(bucket);
  call.query = {{std::string(subresource.query), ""}};
  return call;
}

// `valid` is the caller's validation of the document: when it failed, nothing is sent and
// the error (kRequest) says "the <what> is invalid: ...".
inline Expected<void, ClientError> put(const S3Client& client, const Subresource& subresource,
                                       std::string_view bucket,
                                       const Expected<void, s3::S3Error>& valid, std::string xml) {
  S3Call call = bucket_document::call(subresource, subresource.put_operation, "PUT", bucket);
  if (!valid) {
    ClientError error;
    error.kind = ErrorKind::kRequest;
    error.operation = call.operation;
    error.message =
        "the " + std::string(subresource.what) + " is invalid: " + valid.error().explanation();
    return Unexpected(std::move(error));
  }
  call.headers = {{"Content-Type", "application/xml"}};
  call.body = std::move(xml);
  call.content_md5 = true;
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

// A kResponse error: the document S3 sent does not read as one (`what_is_wrong`, e.g.
// "its CORS document is not S3's", then the parser's explanation).
inline ClientError unusable(const S3Call& call, const HttpResponse& response,
                            std::string_view what_is_wrong, const s3::S3Error& error) {
  return unusable_response(call.operation, response,
                           std::string(what_is_wrong) + ": " + printable(error.explanation(), 256));
}

// The bucket's document, read by `parse` (the body to an Expected with an s3::S3Error);
// nullopt when S3 answers the sub-resource's missing code, unusable (`what_is_wrong`) when
// `parse` refuses it.
template <class Parse>
auto get(const S3Client& client, const Subresource& subresource, std::string_view bucket,
         Parse parse, std::string_view what_is_wrong)
    -> Expected<std::optional<std::remove_cvref_t<decltype(*parse(std::string_view()))>>,
                ClientError> {
  using Document = std::remove_cvref_t<decltype(*parse(std::string_view()))>;
  const S3Call call = bucket_document::call(subresource, subresource.get_operation, "GET", bucket);
  auto response = client.send(call);
  if (!response) {
    if (response.error().kind == ErrorKind::kS3 &&
        response.error().code == subresource.missing_code) {
      return std::optional<Document>();
    }
    return Unexpected(std::move(response).error());
  }
  auto document = parse(response->body);
  if (!document) return Unexpected(unusable(call, *response, what_is_wrong, document.error()));
  return std::optional<Document>(std::move(*document));
}

inline Expected<void, ClientError> remove(const S3Client& client, const Subresource& subresource,
                                          std::string_view bucket) {
  auto response = client.send(
      bucket_document::call(subresource, subresource.delete_operation, "DELETE", bucket));
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

}  // namespace upgate::s3client::bucket_document
