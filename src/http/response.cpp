#include <upgate/http/response.hpp>
#include <upgate/http_token.hpp>
#include <upgate/text.hpp>

#include <boost/beast/http/status.hpp>

#include <algorithm>

namespace upgate::http {

namespace {

using text::iequals;

// Fields whose meaning is the server's: framing, connection management, Date.
bool is_server_field(std::string_view name) noexcept {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection") || iequals(name, "keep-alive") || iequals(name, "date");
}

}  // namespace

std::string_view reason_phrase(int status) noexcept {
  if (status < 100 || status > 999) return "Unknown";
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  if (reason.empty() || reason.front() == '<') return "Unknown";  // "<unknown-status>"
  return {reason.data(), reason.size()};
}

Response Response::json(int status, std::string body) {
  Response r(status);
  r.set_body(std::move(body), "application/json");
  return r;
}

Response Response::text(int status, std::string body) {
  Response r(status);
  r.set_body(std::move(body), "text/plain; charset=utf-8");
  return r;
}

Response Response::status_only(int status) {
  std::string body(reason_phrase(status));
  body += '\n';
  return text(status, std::move(body));
}

Response& Response::add_header(std::string_view name, std::string_view value) {
  if (!is_http_token(name)) {
    return *this;
  }
  if (is_server_field(name)) return *this;
  const std::size_t start = fields_.size();
  fields_.reserve(start + name.size() + value.size() + 4);
  fields_ += name;
  fields_ += ": ";
  const std::size_t value_start = fields_.size();
  fields_ += value;
  if (!is_safe_header_value(value)) {
    for (std::size_t i = value_start; i < fields_.size(); ++i) {
      if (fields_[i] == '\r' || fields_[i] == '\n' || fields_[i] == '\0') fields_[i] = ' ';
    }
  }
  fields_ += "\r\n";
  return *this;
}

Response& Response::set_header(std::string_view name, std::string_view value) {
  remove_header(name);
  return add_header(name, value);
}

Response& Response::remove_header(std::string_view name) {
  std::size_t at = 0;
  while (at < fields_.size()) {
    const std::size_t eol = fields_.find("\r\n", at);
    const std::size_t end = eol == std::string::npos ? fields_.size() : eol + 2;
    const std::string_view line(fields_.data() + at, end - at);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
      fields_.erase(at, end - at);
    } else {
      at = end;
    }
  }
  return *this;
}

std::optional<std::string_view> Response::header(std::string_view name) const noexcept {
  std::string_view rest = fields_;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
      return line.substr(std::min(colon + 2, line.size()));
    }
    if (eol == std::string_view::npos) break;
    rest.remove_prefix(eol + 2);
  }
  return std::nullopt;
}

Response& Response::set_body(std::string body, std::string_view content_type) {
  body_ = std::move(body);
  body_view_ = {};
  if (!content_type.empty()) set_header("Content-Type", content_type);
  return *this;
}

Response& Response::set_body_view(std::string_view body, std::string_view content_type) {
  body_.clear();
  body_view_ = body.data() ? body : std::string_view("", 0);
  if (!content_type.empty()) set_header("Content-Type", content_type);
  return *this;
}

}  // namespace upgate::http
