// The client address behind trusted proxies: X-Forwarded-For is believed only as far as
// trust reaches, and never from an untrusted peer.
#include "upgate/api/client_address.hpp"

#include <gtest/gtest.h>

#include <array>

namespace upgate::api {
namespace {

using boost::asio::ip::make_address;

TrustedProxies trust(std::vector<std::string> entries) {
  auto parsed = TrustedProxies::parse(entries);
  EXPECT_TRUE(parsed) << parsed.error();
  return parsed ? *parsed : TrustedProxies{};
}

std::string client(std::string_view peer, std::vector<std::string_view> xff,
                   const TrustedProxies& trusted) {
  return client_address(make_address(std::string(peer)), xff, trusted).to_string();
}

// Rows of {peer, X-Forwarded-For fields, the client address they give} behind `trusted`.
struct Forwarded {
  std::string_view peer;
  std::vector<std::string_view> xff;
  std::string_view client;
};

void expect_clients(const TrustedProxies& trusted, std::initializer_list<Forwarded> rows) {
  for (const Forwarded& row : rows) {
    EXPECT_EQ(client(row.peer, row.xff, trusted), row.client)
        << "peer " << row.peer << ", X-Forwarded-For " << ::testing::PrintToString(row.xff);
  }
}

TEST(TrustedProxies, AddressesAndNetworks) {
  const TrustedProxies t = trust({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"});
  EXPECT_TRUE(t.contains(make_address("10.255.0.1")));
  EXPECT_FALSE(t.contains(make_address("11.0.0.1")));
  EXPECT_TRUE(t.contains(make_address("192.0.2.7")));
  EXPECT_FALSE(t.contains(make_address("192.0.2.6")));
  EXPECT_TRUE(t.contains(make_address("2001:db8:ffff::9")));
  EXPECT_FALSE(t.contains(make_address("2001:db9::9")));
  EXPECT_TRUE(t.contains(make_address("::1")));
  EXPECT_TRUE(t.contains(make_address("::ffff:10.0.0.1")));  // v4-mapped peer of a v6 socket
  EXPECT_TRUE(trust({"0.0.0.0/0"}).contains(make_address("203.0.113.1")));
  EXPECT_FALSE(trust({"0.0.0.0/0"}).contains(make_address("2001:db8::1")));
}

TEST(TrustedProxies, BadEntriesAreRefused) {
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x", "proxy",
                          "10.0.0.1/-1", "fe80::1%eth0", "10.0.0.0/08/1"}) {
    const std::vector<std::string> entries{bad};
    EXPECT_FALSE(TrustedProxies::parse(entries)) << bad;
  }
}

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItSends) {
  expect_clients(trust({"10.0.0.0/8"}),
                 {{"203.0.113.9", {"10.0.0.1, 198.51.100.1"}, "203.0.113.9"}});
  expect_clients(TrustedProxies{}, {
                                       {"203.0.113.9", {}, "203.0.113.9"},
                                       {"10.0.0.2", {"198.51.100.1"}, "10.0.0.2"},
                                   });
}

TEST(ClientAddress, ATrustedPeerNamesTheClient) {
  expect_clients(trust({"10.0.0.0/8"}),
                 {
                     {"10.0.0.2", {"198.51.100.1"}, "198.51.100.1"},
                     // Two trusted hops.
                     {"10.0.0.2", {"198.51.100.1, 10.0.0.3"}, "198.51.100.1"},
                     // No header: the proxy itself.
                     {"10.0.0.2", {}, "10.0.0.2"},
                 });
}

TEST(ClientAddress, WhatTheClientPrependsIsIgnored) {
  expect_clients(
      trust({"10.0.0.0/8"}),
      {
          // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
          {"10.0.0.2", {"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
          // A spoofed trusted address to the left of the real client gains nothing either.
          {"10.0.0.2", {"10.9.9.9, 198.51.100.1"}, "198.51.100.1"},
          // Repeated fields are one list in order.
          {"10.0.0.2", {"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
          {"10.0.0.2", {"198.51.100.1", "10.0.0.4"}, "198.51.100.1"},
      });
}

TEST(ClientAddress, PortsBracketsAndIpv6) {
  expect_clients(trust({"10.0.0.0/8", "2001:db8::/32"}),
                 {
                     {"10.0.0.2", {"198.51.100.1:4711"}, "198.51.100.1"},
                     {"10.0.0.2", {"[2001:db9::5]:4711"}, "2001:db9::5"},
                     {"10.0.0.2", {"2001:db9::5"}, "2001:db9::5"},
                     {"2001:db8::1", {" 198.51.100.1 "}, "198.51.100.1"},
                     {"::ffff:10.0.0.2", {"198.51.100.1"}, "198.51.100.1"},
                 });
}

TEST(ClientAddress, GarbageStopsAtTheLastTrustedHop) {
  expect_clients(trust({"10.0.0.0/8"}),
                 {
                     {"10.0.0.2", {"unknown"}, "10.0.0.2"},
                     {"10.0.0.2", {"198.51.100.1, _hidden, 10.0.0.3"}, "10.0.0.3"},
                     {"10.0.0.2", {"fe80::1%eth0"}, "10.0.0.2"},
                     {"10.0.0.2", {",,, ,198.51.100.1,"}, "198.51.100.1"},
                 });
}

TEST(ClientAddress, TheWalkIsBounded) {
  const TrustedProxies t = trust({"10.0.0.0/8"});
  std::string many = "198.51.100.1";
  for (int i = 0; i < 100; ++i) many += ", 10.0.0.9";
  EXPECT_EQ(client("10.0.0.2", {many}, t), "10.0.0.9");
  // Every hop trusted: the farthest one.
  EXPECT_EQ(client("10.0.0.2", {"10.0.0.7, 10.0.0.8"}, t), "10.0.0.7");
}

TEST(LimitAddress, Ipv6CountsPerSlash64) {
  EXPECT_EQ(limit_address(make_address("203.0.113.9")), "203.0.113.9");
  EXPECT_EQ(limit_address(make_address("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
  EXPECT_EQ(limit_address(make_address("2001:db8:1:2:ffff::")), "2001:db8:1:2::/64");
  EXPECT_EQ(limit_address(make_address("::ffff:203.0.113.9")), "203.0.113.9");
}

TEST(PeerAddress, RemoteEndpointForms) {
  EXPECT_EQ(peer_address("203.0.113.9:5123").to_string(), "203.0.113.9");
  EXPECT_EQ(peer_address("::1:5123").to_string(), "::1");
  EXPECT_EQ(peer_address("[::1]:5123").to_string(), "::1");
  EXPECT_EQ(peer_address("::ffff:127.0.0.1:80").to_string(), "127.0.0.1");
  EXPECT_TRUE(peer_address("").is_unspecified());
}

}  // namespace
}  // namespace upgate::api
