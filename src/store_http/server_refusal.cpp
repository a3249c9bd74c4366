// The responses http::Server writes on its own, in S3's words (s3_service.hpp).
#include "s3_request.hpp"
#include "s3_service.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::store {

namespace {

using http::Refusal;
using s3::ErrorCode;

// S3's answer to a request it cannot parse as HTTP.
s3::S3Error unparseable() {
  return s3::make_error(ErrorCode::BadRequest, "An error occurred when parsing the HTTP request.");
}

s3::S3Error refusal_error(Refusal refusal, std::size_t max_header_bytes) {
  switch (refusal) {
    case Refusal::header_too_large:
      return s3::request_header_section_too_large(max_header_bytes);
    case Refusal::malformed_request:
    case Refusal::missing_host:
    case Refusal::unframed_transfer_coding:
    case Refusal::malformed_body:
      return unparseable();
    case Refusal::unsupported_transfer_coding:
      return s3::make_error(ErrorCode::NotImplemented).with("Header", "Transfer-Encoding");
    case Refusal::body_too_large:
      return s3::make_error(ErrorCode::MaxMessageLengthExceeded);
    case Refusal::body_timeout:
      return s3::make_error(ErrorCode::RequestTimeout);
    case Refusal::over_capacity:
      return s3::make_error(ErrorCode::SlowDown);
    case Refusal::handler_failed:
      break;
  }
  return s3::make_error(ErrorCode::InternalError);
}

}  // namespace

http::Response render_server_refusal(const http::RefusalContext& refusal,
                                     std::size_t max_header_bytes) {
  const s3::S3Error error = refusal_error(refusal.refusal, max_header_bytes);
  http::Response out = s3_response(error.http_status(), refusal.request_id);
  out.set_body(s3::render_error_xml(error, refusal.request_id), "application/xml");
  return out;
}

}  // namespace upgate::store
