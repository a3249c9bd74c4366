// One S3 request as the handlers see it, and the answers every handler sends through it.
#include "s3_request.hpp"

#include "upgate/s3/errors.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

http::Response s3_response(int status, std::string_view request_id) {
  http::Response out(status);
  out.add_header("x-amz-request-id", request_id);
  out.add_header("x-amz-id-2", request_id);
  out.add_header("Server", "upgate");
  return out;
}

S3Request::S3Request(S3Service::State& s, http::Exchange& ex) : service(s), exchange(ex) {
  ex.request().for_each_header([this](std::string_view name, std::string_view value) {
    headers.push_back(sigv4::HeaderView{name, value});
  });
}

sigv4::RequestView S3Request::request_view() const {
  return sigv4::RequestView{request().method_name(), request().target(), headers};
}

std::string S3Request::resource() const {
  std::string out = "/";
  out += target.bucket;
  if (!target.key.empty()) out += "/" + target.key;
  return out;
}

bool S3Request::allowed(std::string_view action, std::string_view bucket,
                        std::string_view key) const {
  if (access_key == nullptr) return false;
  if (access_key->root) return true;
  std::string resource(bucket);
  if (!key.empty()) resource += "/" + std::string(key);
  return AccessKeys::allows(*access_key, action, resource);
}

http::Response S3Request::response(int status) const {
  http::Response out = s3_response(status, exchange.request_id());
  for (const auto& [name, value] : cors_headers) out.add_header(name, value);
  return out;
}

asio::awaitable<Outcome> S3Request::send(const http::Response& response) {
  bytes_out += response.body().size();
  co_await exchange.respond(response);
  co_return Outcome{};
}

asio::awaitable<Outcome> S3Request::send_xml(int status, std::string xml) {
  http::Response out = response(status);
  out.set_body(std::move(xml), "application/xml");
  co_return co_await send(out);
}

asio::awaitable<void> S3Request::send_error(s3::S3Error error) {
  if (exchange.responded()) co_return;
  error_code = std::string(error.code_name());
  reason = error.reason;
  if (error.resource.empty()) error.resource = resource();
  http::Response out = response(error.http_status());
  if (s3::has_error_body(error.code)) {
    out.set_body(s3::render_error_xml(error, exchange.request_id()), "application/xml");
  }
  if (error.code == ErrorCode::InvalidRange) {
    if (auto size = error.detail("ActualObjectSize")) {
      out.set_header("Content-Range", "bytes */" + std::string(*size));
    }
  }
  // A refused request's unread body is not worth reading; the server decides
  // whether the connection can be kept.
  co_await send(out);
}

}  // namespace upgate::store
