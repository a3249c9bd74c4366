#include "upgate/s3client/error_response.hpp"

#include <pugixml.hpp>

#include "upgate/text.hpp"
#include "xml_answer.hpp"

namespace upgate::s3client {
namespace {

constexpr std::size_t kMaxCodeBytes = 64;
constexpr std::size_t kMaxMessageBytes = 512;
constexpr std::size_t kMaxRequestIdBytes = 128;
constexpr std::size_t kMaxSnippetBytes = 200;

using text::trim_xml_space;

// A code is an identifier ("NoSuchCORSConfiguration"); anything else is not S3's document.
bool plausible_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeBytes) return false;
  for (const char c : code) {
    const bool ok = text::is_alnum(c) || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

ClientError unusable_response(std::string_view operation, const HttpResponse& response,
                              std::string why) {
  ClientError error;
  error.kind = ErrorKind::kResponse;
  error.operation = std::string(operation);
  error.http_status = response.status;
  error.request_id = printable(text::trim(response.header("x-amz-request-id")), kMaxRequestIdBytes);
  error.message = std::move(why);
  return error;
}

ClientError error_from_response(std::string_view operation, const HttpResponse& response) {
  ClientError error;
  error.operation = std::string(operation);
  error.http_status = response.status;
  error.request_id = printable(text::trim(response.header("x-amz-request-id")), kMaxRequestIdBytes);

  const std::string_view body = trim_xml_space(response.body);
  if (!body.empty() && body.front() == '<') {
    if (const auto answer = detail::load_answer(body, "Error")) {
      const std::string_view code = trim_xml_space(answer->root.child_value("Code"));
      if (plausible_code(code)) {
        error.kind = ErrorKind::kS3;
        error.code = std::string(code);
        error.message =
            printable(trim_xml_space(answer->root.child_value("Message")), kMaxMessageBytes);
        const std::string_view id = trim_xml_space(answer->root.child_value("RequestId"));
        if (!id.empty()) error.request_id = printable(id, kMaxRequestIdBytes);
        return error;
      }
    }
  }
  error.kind = ErrorKind::kHttp;
  if (!body.empty()) error.message = printable(body, kMaxSnippetBytes);
  if (response.body_truncated) error.message += " (answer cut at the size limit)";
  return error;
}

}  // namespace upgate::s3client
