#include "upgate/limits/redis_url.hpp"

#include <gtest/gtest.h>

namespace upgate::limits {
namespace {

using Transport = RedisEndpoint::Transport;

TEST(ParseRedisUrl, HostPortAndDatabase) {
  const RedisEndpoint e = parse_redis_url("redis://cache.internal:6380/2").value();
  EXPECT_EQ(e.transport, Transport::tcp);
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.database, 2u);
  EXPECT_TRUE(e.username.empty());
  EXPECT_TRUE(e.password.empty());
  EXPECT_EQ(e.redacted(), "redis://cache.internal:6380/2");
}

TEST(ParseRedisUrl, Defaults) {
  const RedisEndpoint e = parse_redis_url("redis://127.0.0.1").value();
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.database, 0u);
  EXPECT_EQ(parse_redis_url("redis://127.0.0.1/").value().database, 0u);
  EXPECT_EQ(parse_redis_url("REDIS://h").value().host, "h");
}

TEST(ParseRedisUrl, Ipv6) {
  const RedisEndpoint e = parse_redis_url("redis://[::1]:7000/1").value();
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 7000);
  EXPECT_EQ(e.redacted(), "redis://[::1]:7000/1");
}

TEST(ParseRedisUrl, UserAndPasswordArePercentDecoded) {
  const RedisEndpoint e = parse_redis_url("redis://al%40ice:p%3Ass%2Fw@h:1/0").value();
  EXPECT_EQ(e.username, "al@ice");
  EXPECT_EQ(e.password.reveal(), "p:ss/w");
  EXPECT_EQ(e.redacted(), "redis://al@ice:<redacted>@h:1/0");
}

TEST(ParseRedisUrl, PasswordWithoutUser) {
  const RedisEndpoint e = parse_redis_url("redis://:hunter2@h").value();
  EXPECT_TRUE(e.username.empty());
  EXPECT_EQ(e.password.reveal(), "hunter2");
  EXPECT_EQ(e.redacted(), "redis://:<redacted>@h:6379/0");
}

TEST(ParseRedisUrl, UnixSockets) {
  const RedisEndpoint e = parse_redis_url("unix:///run/redis/redis.sock?db=3").value();
  EXPECT_EQ(e.transport, Transport::unix_socket);
  EXPECT_EQ(e.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(e.database, 3u);
  EXPECT_EQ(e.redacted(), "unix:///run/redis/redis.sock?db=3");

  const RedisEndpoint auth = parse_redis_url("unix://bob:s3cret@/tmp/r.sock").value();
  EXPECT_EQ(auth.username, "bob");
  EXPECT_EQ(auth.password.reveal(), "s3cret");
  EXPECT_EQ(auth.database, 0u);
  EXPECT_EQ(auth.redacted(), "unix://bob:<redacted>@/tmp/r.sock");
}

TEST(ParseRedisUrl, PreciseErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "redis_url: empty; write it as redis://host:6379/0"},
      {"cache:6379", "redis_url: the scheme is not redis:// or unix://"},
      {"http://h", "redis_url: the scheme is not redis:// or unix://"},
      {"rediss://h", "redis_url: rediss:// (Redis over TLS) is not supported yet"},
      {"redis:h", "redis_url: no host; write it as redis://host:6379/0"},
      {"redis://", "redis_url: no host; write it as redis://host:6379/0"},
      {"redis://h:0", "redis_url: the port is not a number from 1 to 65535"},
      {"redis://h:65536", "redis_url: the port is not a number from 1 to 65535"},
      {"redis://h/x", "redis_url: the database is not a number from 0 to 1000000"},
      {"redis://h/1/2", "redis_url: the database is not a number from 0 to 1000000"},
      {"redis://h/2000000", "redis_url: the database is not a number from 0 to 1000000"},
      {"redis://h?db=1", "redis_url: a query (?...) has no meaning in a redis:// URL"},
      {"redis://h#x", "redis_url: a fragment (#...) has no meaning here"},
      {"redis://h%21x", "redis_url: the host has characters a host cannot have"},
      {"unix://h/p",
       "redis_url: a unix:// URL names a socket path, not a host: unix:///path/to/redis.sock"},
      {"unix:///", "redis_url: the socket path must be absolute: unix:///path/to/redis.sock"},
      {"unix:///s?x=1", "redis_url: unknown query parameter (only db=N)"},
      {"unix:///s?db=-1", "redis_url: the database is not a number from 0 to 1000000"},
  };
  for (const auto& [url, message] : cases) {
    const auto parsed = parse_redis_url(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error(), message) << url;
  }
}

TEST(ParseRedisUrl, LongSocketPathsAreRefused) {
  EXPECT_FALSE(parse_redis_url("unix:///" + std::string(120, 'a')));
}

TEST(ParseRedisUrl, NoErrorRepeatsThePassword) {
  const std::string secret = "Sup3r-S3cret-Pw";
  const std::string bad[] = {
      "redis://u:" + secret + "@h:99999/0",
      "redis://u:" + secret + "@h/notadb",
      "redis://u:" + secret + "@h?password=" + secret,
      "redis://u:" + secret + "@h#" + secret,
      "rediss://u:" + secret + "@h",
      "http://u:" + secret + "@h",
      "redis://u:" + secret + "@h x",
      "redis://u:" + secret + "@[::1",
      "unix://u:" + secret + "@host/p",
      "unix://u:" + secret + "@/p?" + secret + "=1",
      "redis://u:" + secret + "@" + secret + "%00/0",
      "redis://u:" + secret + "@h:" + secret,
      "redis://u:" + secret + "@" + std::string(5000, 'h'),
      // An unencoded '/' or '@' in a password moves it into the port, host or path.
      "redis://u:" + secret + "/x@h",
      "redis://u:pa/" + secret + "@h",
      "redis://u:" + secret + "@x@h",
      "redis://" + secret + ":" + secret + "@h:" + secret,
  };
  for (const std::string& url : bad) {
    const auto parsed = parse_redis_url(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().find(secret), std::string::npos) << parsed.error();
  }
}

}  // namespace
}  // namespace upgate::limits
