// The client address behind trusted proxies, and the key per-address limits use.
#include "upgate/api/client_address.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "upgate/text.hpp"

namespace upgate::api {
namespace {

namespace ip = boost::asio::ip;

ip::address_v6 as_v6(const ip::address& address) {
  if (address.is_v4()) return ip::make_address_v6(ip::v4_mapped, address.to_v4());
  return address.to_v6();
}

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

bool in_network(const ip::address_v6& address, const ip::address_v6& base, unsigned prefix) {
  const auto a = address.to_bytes();
  const auto b = base.to_bytes();
  unsigned bits = prefix;
  for (std::size_t i = 0; i < a.size() && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<unsigned char>(0xFF << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

// An address as X-Forwarded-For entries write it: "192.0.2.1", "192.0.2.1:4711",
// "2001:db8::1", "[2001:db8::1]", "[2001:db8::1]:4711".
std::optional<ip::address> forwarded_entry(std::string_view entry) {
  entry = text::trim(entry);
  if (entry.empty() || entry.size() > 64 || entry.find('%') != std::string_view::npos) {
    return std::nullopt;  // a zone index names an interface of the proxy, not a client
  }
  if (entry.front() == '[') {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = entry.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    entry = entry.substr(1, close - 1);
  } else if (entry.find(':') == entry.rfind(':') && entry.find(':') != std::string_view::npos) {
    entry = entry.substr(0, entry.find(':'));  // IPv4 with a port
  }
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(entry), ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().scope_id() != 0) return std::nullopt;
  return unmapped(address);
}

}  // namespace

Expected<TrustedProxies, std::string> TrustedProxies::parse(std::span<const std::string> entries) {
  TrustedProxies out;
  if (entries.size() > kMaxTrustedProxies) {
    return Unexpected("at most " + std::to_string(kMaxTrustedProxies) + " entries");
  }
  for (const std::string& entry : entries) {
    const auto bad = [&entry] {
      return Unexpected("'" + std::string(text::utf8_prefix(entry, 64)) +
                        "' is not an address or a network (192.0.2.7, 10.0.0.0/8, "
                        "2001:db8::/32)");
    };
    const std::string_view text = entry;
    if (text.find('%') != std::string_view::npos) return bad();
    const auto slash = text.find('/');
    boost::system::error_code ec;
    const ip::address address = ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec || (address.is_v6() && address.to_v6().scope_id() != 0)) return bad();
    const ip::address plain = unmapped(address);
    const unsigned max_prefix = plain.is_v4() ? 32 : 128;
    unsigned prefix = max_prefix;
    if (slash != std::string_view::npos) {
      const std::string_view digits = text.substr(slash + 1);
      const auto [end, perr] =
          std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (digits.empty() || perr != std::errc() || end != digits.data() + digits.size() ||
          prefix > max_prefix) {
        return bad();
      }
    }
    out.networks_.push_back({as_v6(plain), plain.is_v4() ? prefix + 96 : prefix});
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& address) const noexcept {
  const ip::address_v6 v6 = as_v6(unmapped(address));
  for (const Network& network : networks_) {
    if (in_network(v6, network.base, network.prefix)) return true;
  }
  return false;
}

ip::address client_address(const ip::address& peer, std::span<const std::string_view> forwarded_for,
                           const TrustedProxies& trusted) {
  ip::address hop = unmapped(peer);
  if (!trusted.contains(hop)) return hop;
  // Entries from the right: the last field's last entry first.
  std::size_t looked_at = 0;
  for (auto field = forwarded_for.rbegin(); field != forwarded_for.rend(); ++field) {
    std::string_view list = *field;
    while (true) {
      const auto comma = list.rfind(',');
      const std::string_view entry =
          comma == std::string_view::npos ? list : list.substr(comma + 1);
      if (!text::trim(entry).empty()) {
        if (++looked_at > kMaxForwardedHops) return hop;
        const auto address = forwarded_entry(entry);
        if (!address) return hop;  // garbage where a trusted proxy's entry should be
        hop = *address;
        if (!trusted.contains(hop)) return hop;
      }
      if (comma == std::string_view::npos) break;
      list = list.substr(0, comma);
    }
  }
  return hop;  // every hop a trusted proxy: the farthest one is the client
}

std::string limit_address(const ip::address& address) {
  const ip::address plain = unmapped(address);
  if (plain.is_v4()) {
    // Dotted decimal by hand: Asio's to_string() goes through inet_ntop and snprintf, a
    // measurable share of a rate-limited request.
    std::string out;
    out.reserve(15);
    for (const unsigned char octet : plain.to_v4().to_bytes()) {
      if (!out.empty()) out += '.';
      std::array<char, 3> digits{};
      out.append(digits.data(), std::to_chars(digits.data(), digits.data() + 3, octet).ptr);
    }
    return out;
  }
  auto bytes = plain.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

ip::address peer_address(std::string_view remote_endpoint) {
  std::string_view host = remote_endpoint;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    host = close == std::string_view::npos ? std::string_view() : host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(host), ec);
  if (ec) return ip::address();
  return unmapped(address);
}

}  // namespace upgate::api
