// The plain-HTTP listener that only redirects to HTTPS.
#include <upgate/http/https_redirect.hpp>
#include <upgate/http/response.hpp>
#include <upgate/text.hpp>

namespace upgate::http {
namespace {

constexpr std::size_t kMaxHostBytes = 253;

bool is_name_char(char c) noexcept {
  return text::is_alnum(c) || c == '-' || c == '.';
}

bool is_ipv6_literal_char(char c) noexcept {
  return text::is_hex_digit(c) || c == ':' || c == '.';
}

// The host part of a Host field (no port), checked; nullopt when refused.
std::optional<std::string_view> checked_host(std::string_view field) {
  std::string_view host = field;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view inside = host.substr(1, close - 1);
    if (inside.empty()) return std::nullopt;
    for (char c : inside) {
      if (!is_ipv6_literal_char(c)) return std::nullopt;
    }
    std::string_view rest = host.substr(close + 1);
    host = host.substr(0, close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
      if (port.empty()) return std::nullopt;
    }
    if (host.empty() || host.size() > kMaxHostBytes) return std::nullopt;
    for (char c : host) {
      if (!is_name_char(c)) return std::nullopt;
    }
  }
  if (port.size() > 5) return std::nullopt;
  for (char c : port) {
    if (!text::is_digit(c)) return std::nullopt;
  }
  return host;
}

}  // namespace

std::optional<std::string> https_location(std::string_view host_field, std::string_view target,
                                          std::uint16_t https_port) {
  const auto host = checked_host(host_field);
  if (!host) return std::nullopt;
  // Origin-form only: "*" (OPTIONS) and absolute-form name no path of this origin.
  if (target.empty() || target.front() != '/') return std::nullopt;
  std::string location = "https://";
  location += text::lower(*host);
  if (https_port != 443) {
    location += ':';
    location += std::to_string(https_port);
  }
  location += target;
  return location;
}

Handler https_redirect_handler(std::uint16_t https_port) {
  return [https_port](Exchange& ex) -> boost::asio::awaitable<void> {
    ex.close_after_response();
    const Request& request = ex.request();
    const auto host = request.header("Host");
    const auto location = host && request.header_count("Host") == 1
                              ? https_location(*host, request.target(), https_port)
                              : std::nullopt;
    if (!location) {
      co_await ex.respond(Response::text(400, "This address serves HTTPS only.\n"));
      co_return;
    }
    Response response = Response::text(308, "Moved to HTTPS.\n");
    response.add_header("Location", *location);
    co_await ex.respond(response);
  };
}

}  // namespace upgate::http
