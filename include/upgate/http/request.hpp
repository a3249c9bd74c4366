// upgate::http::Request: a read-only view of one parsed HTTP/1.x request header.
//
// The server hands a Request to the handler as soon as the header has been parsed and
// before any body byte has been read (see exchange.hpp). The view points into memory the
// connection owns: it is valid until the handler's coroutine returns, and nothing in it
// may be kept beyond that without copying.
//
// The target is given raw, exactly as sent (no percent-decoding, no normalisation),
// because S3 signature verification must rebuild the canonical URI from the bytes the
// client signed. path() is the target up to the first '?', query() what follows it.
// Header names compare case-insensitively; header values are the parser's (OWS trimmed).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace upgate::http {

namespace detail {
struct ParsedHead;  // the parser's header, defined in src/http
}

// The methods the servers route on; everything else is `other` (method_name() has it).
enum class Method : std::uint8_t { get, head, post, put, delete_, options, patch, other };

std::string_view to_string(Method m) noexcept;

class Request {
 public:
  Method method() const noexcept { return method_; }
  // The method token as sent, e.g. "GET" or "PROPFIND".
  std::string_view method_name() const noexcept;
  // The request-target as sent: "/bucket/key?X-Amz-Signature=..." (secrets may live in the
  // query: never log target(), log path()).
  std::string_view target() const noexcept { return target_; }
  std::string_view path() const noexcept { return path_; }
  // Without the '?'; empty when there is none.
  std::string_view query() const noexcept { return query_; }
  bool has_query() const noexcept { return has_query_; }

  // 10 for HTTP/1.0, 11 for HTTP/1.1.
  unsigned version() const noexcept;
  bool keep_alive() const noexcept;

  // First value of the named field, or nullopt. Case-insensitive name.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  // Number of fields with that name (repeated headers matter to SigV4 and to smuggling checks).
  std::size_t header_count(std::string_view name) const noexcept;

  // Every field in arrival order, as (name as sent, value).
  template <class F>
  void for_each_header(F&& visit) const {
    visit_headers(
        [](void* ctx, std::string_view name, std::string_view value) {
          (*static_cast<std::remove_reference_t<F>*>(ctx))(name, value);
        },
        &visit);
  }

  // Body framing as the parser understood it.
  std::optional<std::uint64_t> content_length() const noexcept;
  bool chunked() const noexcept;
  // True when a body follows the header (Content-Length > 0 or chunked).
  bool has_body() const noexcept;
  // True when the client sent `Expect: 100-continue` on HTTP/1.1.
  bool expects_continue() const noexcept { return expects_continue_; }

  // Built by the connection; handlers only receive it.
  Request(const detail::ParsedHead& head, Method method, std::string_view target,
          bool expects_continue) noexcept;

 private:
  using Visitor = void (*)(void*, std::string_view, std::string_view);
  void visit_headers(Visitor visit, void* ctx) const;

  const detail::ParsedHead* head_;
  std::string_view target_;
  std::string_view path_;
  std::string_view query_;
  Method method_;
  bool has_query_;
  bool expects_continue_;
};

}  // namespace upgate::http
