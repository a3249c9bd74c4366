// Refusing the open API on a reachable address.
#include "upgate/api/open_api_guard.hpp"

#include <boost/asio/ip/address.hpp>

namespace upgate::api {

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .is_loopback();
  }
  return address.is_loopback();
}

Expected<void, std::string> check_open_api(const AuthConfig& auth,
                                           std::span<const Listener> listeners) {
  if (!auth.open() || auth.allow_anonymous) return {};
  for (const Listener& listener : listeners) {
    if (is_loopback_host(listener.host)) continue;
    const bool v6 = listener.host.find(':') != std::string_view::npos;
    const std::string address = (v6 ? "[" : "") + std::string(listener.host) + (v6 ? "]" : "") +
                                ":" + std::to_string(listener.port);
    return Unexpected(std::string(listener.what) + " would listen on " + address +
                      " with no authentication, signing URLs for anyone who can reach it: "
                      "configure [auth] (docs/auth.md), listen on 127.0.0.1, or set "
                      "allow_anonymous = true under [auth] to serve anonymously on purpose");
  }
  return {};
}

}  // namespace upgate::api
