#include "upgate/s3client/object_calls.hpp"

#include <charconv>

#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::s3client {
namespace {

constexpr std::string_view kChecksumPrefix = "x-amz-checksum-";
constexpr std::string_view kMetaPrefix = "x-amz-meta-";

std::string unquoted(std::string_view etag) {
  etag = text::trim(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

S3Call object_call(std::string operation, std::string method, std::string_view bucket,
                   std::string_view key) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::string(bucket);
  call.key = std::string(key);
  return call;
}

ClientError response_error(std::string operation, std::string message) {
  ClientError error;
  error.kind = ErrorKind::kResponse;
  error.operation = std::move(operation);
  error.message = printable(message, 200);
  return error;
}

}  // namespace

bool is_not_found(const ClientError& error) {
  return (error.kind == ErrorKind::kS3 || error.kind == ErrorKind::kHttp) &&
         error.http_status == 404;
}

Expected<ObjectHead, std::string> read_object_head(const HttpResponse& response) {
  ObjectHead head;
  const std::string length = response.header("content-length");
  const auto* end = length.data() + length.size();
  auto [ptr, ec] = std::from_chars(length.data(), end, head.size);
  if (length.empty() || ec != std::errc() || ptr != end) {
    return Unexpected(std::string("the answer has no usable Content-Length"));
  }
  head.content_type = response.header("content-type");
  head.etag = unquoted(response.header("etag"));
  if (auto version = response.header("x-amz-version-id"); !version.empty() && version != "null") {
    head.version_id = std::move(version);
  }
  for (const auto& [name, value] : response.headers) {
    if (name.starts_with(kChecksumPrefix) && name != "x-amz-checksum-type") {
      head.checksums.emplace_back(name.substr(kChecksumPrefix.size()), value);
    } else if (name.starts_with(kMetaPrefix) && name.size() > kMetaPrefix.size()) {
      head.metadata.emplace_back(name.substr(kMetaPrefix.size()), value);
    }
  }
  return head;
}

Expected<ObjectHead, ClientError> head_object(const S3Client& client, std::string_view bucket,
                                              std::string_view key) {
  S3Call call = object_call("HeadObject", "HEAD", bucket, key);
  call.headers = {{"x-amz-checksum-mode", "ENABLED"}};
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  auto head = read_object_head(*response);
  if (!head) return Unexpected(response_error(call.operation, head.error()));
  return std::move(*head);
}

Expected<std::string, ClientError> get_object_prefix(const S3Client& client,
                                                     std::string_view bucket, std::string_view key,
                                                     std::size_t max_bytes) {
  S3Call call = object_call("GetObject", "GET", bucket, key);
  if (max_bytes == 0) return Unexpected(response_error(call.operation, "no bytes asked for"));
  call.headers = {{"Range", "bytes=0-" + std::to_string(max_bytes - 1)}};
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  if (response->body.size() > max_bytes) {
    return Unexpected(
        response_error(call.operation, "the store sent " + std::to_string(response->body.size()) +
                                           " bytes for a range of " + std::to_string(max_bytes)));
  }
  return std::move(response->body);
}

Expected<void, ClientError> copy_object(const S3Client& client, std::string_view bucket,
                                        std::string_view source_key,
                                        std::string_view destination_key,
                                        std::string_view if_match) {
  S3Call call = object_call("CopyObject", "PUT", bucket, destination_key);
  std::string source = "/";
  sigv4::append_uri_encoded(source, bucket, true);
  source += '/';
  sigv4::append_uri_encoded(source, source_key, false);
  call.headers = {{"x-amz-copy-source", std::move(source)}, {"x-amz-metadata-directive", "COPY"}};
  if (!if_match.empty()) {
    call.headers.emplace_back("x-amz-copy-source-if-match", "\"" + std::string(if_match) + "\"");
  }
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  // A copy can fail after the 200 went out; S3 then sends an <Error> document.
  if (response->body.find("<Error>") != std::string::npos) {
    return Unexpected(response_error(call.operation, "the store reported an error after 200"));
  }
  return {};
}

Expected<void, ClientError> delete_object(const S3Client& client, std::string_view bucket,
                                          std::string_view key) {
  auto response = client.send(object_call("DeleteObject", "DELETE", bucket, key));
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

}  // namespace upgate::s3client
