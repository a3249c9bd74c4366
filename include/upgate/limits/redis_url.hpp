// Where the shared limits live: `[limits] redis_url`, parsed.
//
//   redis://[[username]:password@]host[:port][/db]     TCP, port 6379 and db 0 by default
//   unix://[[username]:password@]/path/to/redis.sock[?db=N]
//
// host is a name, an IPv4 address or a bracketed IPv6 address. username and password are
// percent-decoded; with a password the connection sends AUTH (with the username when there
// is one, as Redis 6 ACLs expect), with db > 0 it sends SELECT. rediss:// (TLS) is refused
// with a clear message: not supported yet.
//
// The password is a sigv4::SecretKey (no way to print it). Error messages never repeat the
// URL's user information; redacted() is the only form of an endpoint for logs:
// "redis://alice:<redacted>@cache.internal:6379/2".
#pragma once

#include <upgate/expected.hpp>
#include <upgate/sigv4/secret.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace upgate::limits {

struct RedisEndpoint {
  enum class Transport : std::uint8_t { tcp, unix_socket };
  Transport transport = Transport::tcp;
  std::string host;  // tcp: without brackets
  std::uint16_t port = 6379;
  std::string socket_path;  // unix_socket
  std::uint32_t database = 0;
  std::string username;
  sigv4::SecretKey password;

  std::string redacted() const;
};

Expected<RedisEndpoint, std::string> parse_redis_url(std::string_view url);

inline constexpr std::uint32_t kMaxRedisDatabase = 1'000'000;

}  // namespace upgate::limits
