#include "upgate/s3client/signed_request.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "upgate/http_token.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/signer.hpp"
#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::s3client {
namespace {

constexpr std::size_t kMaxBucketBytes = 255;
constexpr std::size_t kMaxKeyBytes = 1024;  // S3's limit on a key
constexpr std::size_t kMaxHeaders = 64;
constexpr std::size_t kMaxQueryParams = 64;

using text::iequals;

bool owned_by_signer(std::string_view name, bool content_md5) {
  for (std::string_view reserved :
       {"host", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"}) {
    if (iequals(name, reserved)) return true;
  }
  return content_md5 && iequals(name, "content-md5");
}

std::optional<std::string> check(const S3Call& call) {
  if (!is_http_token(call.method) || call.method.size() > 32) {
    return "method must be an HTTP token such as GET";
  }
  if (call.bucket.size() > kMaxBucketBytes || call.bucket.find('/') != std::string::npos ||
      has_control_char(call.bucket)) {
    return "bucket must be a name without '/' or control characters";
  }
  if (call.bucket.empty() && !call.key.empty()) return "a key needs a bucket";
  if (call.key.size() > kMaxKeyBytes) return "key is longer than 1024 bytes";
  if (call.headers.size() > kMaxHeaders) return "too many headers";
  if (call.query.size() > kMaxQueryParams) return "too many query parameters";
  for (const auto& [name, value] : call.headers) {
    if (!is_http_token(name)) return "header name '" + printable(name, 64) + "' is not a token";
    if (!is_safe_header_value(value)) return "header " + name + " holds CR, LF or NUL";
    if (owned_by_signer(name, call.content_md5)) return "header " + name + " is set by the signer";
  }
  for (const auto& [name, value] : call.query) {
    if (name.empty()) return "a query parameter has no name";
  }
  return std::nullopt;
}

}  // namespace

std::string content_md5(std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(body.data(), body.size(), digest.data(), &size, EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(MD5) failed");  // OpenSSL without MD5: not recoverable
  }
  return sigv4::base64_encode(std::span<const std::uint8_t>(digest.data(), size));
}

Expected<HttpRequest, ClientError> build_signed_request(const S3Call& call,
                                                        const ClientOptions& options,
                                                        sigv4::Timestamp time,
                                                        sigv4::SigningKeyCache* cache) {
  const bool virtual_host = options.endpoint.virtual_hosted_for(call.bucket);
  std::string host = options.endpoint.host_header();
  if (virtual_host) host = call.bucket + "." + host;
  auto refuse = [&](std::string why) {
    ClientError e;
    e.kind = ErrorKind::kRequest;
    e.operation = call.operation;
    e.host = host;
    e.message = std::move(why);
    return Unexpected(std::move(e));
  };
  if (auto problem = check(call)) return refuse(std::move(*problem));
  if (options.endpoint.host.empty()) return refuse("the endpoint has no host");

  // Path and query, encoded once: on the wire they are their own canonical form.
  std::string target = "/";
  if (!virtual_host && !call.bucket.empty()) {
    sigv4::append_uri_encoded(target, call.bucket, /*encode_slash=*/true);
    if (!call.key.empty()) target.push_back('/');
  }
  sigv4::append_uri_encoded(target, call.key, /*encode_slash=*/false);
  char separator = '?';
  for (const auto& [name, value] : call.query) {
    target.push_back(separator);
    separator = '&';
    sigv4::append_uri_encoded(target, name, true);
    if (!value.empty()) {
      target.push_back('=');
      sigv4::append_uri_encoded(target, value, true);
    }
  }

  std::vector<std::pair<std::string, std::string>> headers = call.headers;
  if (call.content_md5) headers.emplace_back("Content-MD5", content_md5(call.body));
  std::vector<sigv4::HeaderView> signed_view;
  signed_view.reserve(headers.size() + 1);
  signed_view.push_back({"Host", host});
  for (const auto& [name, value] : headers) signed_view.push_back({name, value});

  const std::string payload_hash = sigv4::hex(sigv4::sha256(call.body));
  sigv4::SigningParams params;
  params.credentials = &options.credentials;
  params.region = options.region;
  params.service = call.service;
  params.time = time;
  params.cache = cache;
  auto signature = sigv4::sign_headers({call.method, target, signed_view}, payload_hash, params);
  if (!signature) return refuse("cannot sign: " + signature.error().message);

  for (auto& h : signature->headers_to_add) {
    headers.emplace_back(std::move(h.name), std::move(h.value));
  }
  return HttpRequest{.method = call.method,
                     .url = options.endpoint.scheme + "://" + host + target,
                     .headers = std::move(headers),
                     .body = call.body,
                     .body_file = {},  // the body is in memory
                     .connect_timeout = options.connect_timeout,
                     .stall_timeout = options.total_timeout,
                     .total_timeout = options.total_timeout,
                     .max_response_body = options.max_response_body,
                     .ca_file = options.ca_file,
                     .connect_to = options.connect_to,
                     .on_progress = {}};
}

}  // namespace upgate::s3client
