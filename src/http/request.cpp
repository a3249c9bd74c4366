#include <upgate/http/request.hpp>

#include "upgate/enum_names.hpp"

#include "connection.hpp"

namespace upgate::http {

constexpr std::string_view kMethodNames[] = {"GET",    "HEAD",    "POST",  "PUT",
                                             "DELETE", "OPTIONS", "PATCH", "OTHER"};
static_assert(names_through(kMethodNames, Method::other));

std::string_view to_string(Method m) noexcept {
  return name_at(kMethodNames, m, "OTHER");
}

namespace {
std::string_view view(boost::beast::string_view s) noexcept {
  return {s.data(), s.size()};
}
boost::beast::string_view beast_view(std::string_view s) noexcept {
  return {s.data(), s.size()};
}
}  // namespace

Request::Request(const detail::ParsedHead& head, Method method, std::string_view target,
                 bool expects_continue) noexcept
    : head_(&head),
      target_(target),
      method_(method),
      has_query_(false),
      expects_continue_(expects_continue) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) {
    path_ = target;
  } else {
    path_ = target.substr(0, q);
    query_ = target.substr(q + 1);
    has_query_ = true;
  }
}

std::string_view Request::method_name() const noexcept {
  return view(head_->header->method_string());
}

unsigned Request::version() const noexcept {
  return head_->header->version();
}
bool Request::keep_alive() const noexcept {
  return head_->keep_alive;
}

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
  auto it = head_->header->find(beast_view(name));
  if (it == head_->header->end()) return std::nullopt;
  return view(it->value());
}

std::size_t Request::header_count(std::string_view name) const noexcept {
  return head_->header->count(beast_view(name));
}

void Request::visit_headers(Visitor visit, void* ctx) const {
  for (const auto& field : *head_->header)
    visit(ctx, view(field.name_string()), view(field.value()));
}

std::optional<std::uint64_t> Request::content_length() const noexcept {
  return head_->content_length;
}
bool Request::chunked() const noexcept {
  return head_->chunked;
}
bool Request::has_body() const noexcept {
  return head_->chunked || (head_->content_length && *head_->content_length > 0);
}

}  // namespace upgate::http
