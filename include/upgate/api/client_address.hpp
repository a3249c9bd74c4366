// upgate::api::TrustedProxies and client_address(): which address an API request comes
// from, for the per-address limits of anonymous callers and for the logs.
//
// The TCP peer is the client unless the peer is a proxy the configuration trusts
// (`[server] trusted_proxies = ["10.0.0.0/8", "192.0.2.7"]`). Only then is
// X-Forwarded-For read, and only as far as trust goes: each proxy appends the address it
// saw, so walking the list from the right, an entry written by a trusted proxy is
// genuine; the first entry that is not itself a trusted proxy is the client. Everything
// to its left was written by the client and is ignored, so a client cannot choose its
// own address by sending the header (the header from an untrusted peer is never read).
//
// Hostile input is bounded: at most kMaxForwardedHops entries are looked at (the client
// is then the last trusted hop reached), and an entry that is not an IP address (with or
// without a port, IPv6 in brackets) stops the walk at the trusted hop that wrote it.
// The answer is always an address someone on a trusted path actually connected from.
//
// limit_address() is the form per-address limits count under: an IPv4 address as is, an
// IPv6 address as its /64 (one subscriber's usual allocation, so a client cannot walk
// its own prefix to get fresh buckets), IPv4-mapped IPv6 as the IPv4 address.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"

namespace upgate::api {

inline constexpr std::size_t kMaxForwardedHops = 32;
inline constexpr std::size_t kMaxTrustedProxies = 256;

class TrustedProxies {
 public:
  // Each entry an address ("192.0.2.7", "::1") or a network ("10.0.0.0/8",
  // "2001:db8::/32"). The error names the first bad entry.
  static Expected<TrustedProxies, std::string> parse(std::span<const std::string> entries);

  bool empty() const noexcept { return networks_.empty(); }
  bool contains(const boost::asio::ip::address& address) const noexcept;

 private:
  struct Network {
    boost::asio::ip::address_v6 base;  // IPv4 as v4-mapped
    unsigned prefix = 128;             // in the v6 form
  };
  std::vector<Network> networks_;
};

// The client of a request whose TCP peer is `peer` (an address, no port), given the values
// of its X-Forwarded-For fields in the order they arrived.
boost::asio::ip::address client_address(const boost::asio::ip::address& peer,
                                        std::span<const std::string_view> forwarded_for,
                                        const TrustedProxies& trusted);

// "203.0.113.9", "2001:db8:1:2::/64": the key per-address limits use.
std::string limit_address(const boost::asio::ip::address& address);

// "203.0.113.9:5123" or "[::1]:5123" (http::Exchange::remote_endpoint()) to its address;
// an unspecified address when it is not one.
boost::asio::ip::address peer_address(std::string_view remote_endpoint);

}  // namespace upgate::api
