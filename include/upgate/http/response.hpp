// upgate::http::Response: a status, header fields and an optional in-memory body, ready to
// be written by Exchange::respond() (complete response) or Exchange::write_header()
// (header of a streamed response).
//
// Promises:
// - Framing belongs to the server. Content-Length, Transfer-Encoding and Connection set
//   here are ignored: the server writes them from the body (or from the framing given to
//   write_header) and from its keep-alive decision. Date is added by the server.
// - No header injection: a field name that is not an RFC 9110 token is dropped, and CR,
//   LF and NUL in a value are replaced by spaces, so a value taken from a request can
//   never start a new header line.
// - Fields are kept pre-serialised ("Name: value\r\n") in one string: building a response
//   with a few headers costs one or two allocations, and writing it costs none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::http {

// "Not Found" for 404; "Unknown" for codes without a standard phrase.
std::string_view reason_phrase(int status) noexcept;

class Response {
 public:
  explicit Response(int status = 200) noexcept : status_(status) {}

  // `{"ok":false,...}`-style bodies: sets Content-Type: application/json.
  static Response json(int status, std::string body);
  // Plain text (text/plain; charset=utf-8).
  static Response text(int status, std::string body);
  // A short text body that is the status line's reason, e.g. "Not Found\n".
  static Response status_only(int status);

  int status() const noexcept { return status_; }
  Response& set_status(int status) noexcept {
    status_ = status;
    return *this;
  }

  // Appends a field (repeating a name adds another line, as Set-Cookie and Vary need).
  Response& add_header(std::string_view name, std::string_view value);
  // Replaces every field of that name by one with this value.
  Response& set_header(std::string_view name, std::string_view value);
  // Removes every field of that name.
  Response& remove_header(std::string_view name);
  // First value of the named field set on this response (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  // The serialised fields, "Name: value\r\n" each.
  std::string_view serialized_headers() const noexcept { return fields_; }

  // Owned body; sets (replaces) Content-Type unless content_type is empty.
  Response& set_body(std::string body, std::string_view content_type = {});
  // Borrowed body: the bytes must stay valid until respond() has completed. Used for
  // assets compiled into the binary, so serving them copies nothing.
  Response& set_body_view(std::string_view body, std::string_view content_type = {});
  std::string_view body() const noexcept { return body_view_.data() ? body_view_ : body_; }

 private:
  std::string fields_;
  std::string body_;
  std::string_view body_view_;
  int status_;
};

}  // namespace upgate::http
