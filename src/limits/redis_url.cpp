// redis:// and unix:// URLs, parsed with Boost.URL; nothing from the user information is
// ever repeated in an error.
#include "upgate/limits/redis_url.hpp"

#include "digits.hpp"

#include <upgate/text.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace upgate::limits {
namespace {

Unexpected<std::string> refuse(std::string message) {
  return Unexpected("redis_url: " + std::move(message));
}

Expected<std::uint32_t, std::string> parse_database(std::string_view digits) {
  const auto db = detail::parse_digits(digits, 10);
  if (!db || *db > kMaxRedisDatabase) {
    return Unexpected("redis_url: the database is not a number from 0 to " +
                      std::to_string(kMaxRedisDatabase));
  }
  return static_cast<std::uint32_t>(*db);
}

}  // namespace

std::string RedisEndpoint::redacted() const {
  std::string out = transport == Transport::tcp ? "redis://" : "unix://";
  if (!username.empty() || !password.empty()) {
    out += username;
    if (!password.empty()) {
      out += ':';
      out += sigv4::SecretKey::redacted();
    }
    out += '@';
  }
  if (transport == Transport::tcp) {
    const bool ipv6 = host.find(':') != std::string::npos;
    out += ipv6 ? "[" + host + "]" : host;
    out += ':' + std::to_string(port) + '/' + std::to_string(database);
  } else {
    out += socket_path;
    if (database != 0) out += "?db=" + std::to_string(database);
  }
  return out;
}

Expected<RedisEndpoint, std::string> parse_redis_url(std::string_view url) {
  if (url.empty()) return refuse("empty; write it as redis://host:6379/0");
  if (url.size() > 4096) return refuse("longer than 4096 characters");
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return refuse(
        "not a URL; write it as redis://[user:password@]host[:port][/db] or unix:///path");
  }
  const boost::urls::url_view& u = *parsed;
  const std::string scheme = text::lower(std::string_view(u.scheme()));
  RedisEndpoint endpoint;
  if (scheme == "rediss") return refuse("rediss:// (Redis over TLS) is not supported yet");
  if (scheme == "redis") {
    endpoint.transport = RedisEndpoint::Transport::tcp;
  } else if (scheme == "unix") {
    endpoint.transport = RedisEndpoint::Transport::unix_socket;
  } else {
    return refuse("the scheme is not redis:// or unix://");
  }
  if (!u.has_authority()) {
    return refuse(scheme == "unix" ? "write a socket as unix:///path/to/redis.sock"
                                   : "no host; write it as redis://host:6379/0");
  }
  if (u.has_fragment()) return refuse("a fragment (#...) has no meaning here");
  if (u.has_userinfo()) {
    endpoint.username = u.user();
    if (u.has_password()) endpoint.password = sigv4::SecretKey(u.password());
    if (endpoint.username.size() > 256 || endpoint.password.reveal().size() > 4096) {
      return refuse("user name or password too long");
    }
  }

  if (endpoint.transport == RedisEndpoint::Transport::tcp) {
    switch (u.host_type()) {
      case boost::urls::host_type::ipv6:
        endpoint.host = std::string(u.encoded_host_address());
        break;
      case boost::urls::host_type::ipv4:
      case boost::urls::host_type::name:
        endpoint.host = u.host_address();
        break;
      default:
        return refuse("the host must be a name, an IPv4 or a bracketed IPv6 address");
    }
    if (endpoint.host.empty()) return refuse("no host; write it as redis://host:6379/0");
    for (const char c : endpoint.host) {
      if (!(text::is_alnum(c) || c == '.' || c == '-' || c == '_' || c == ':')) {
        return refuse("the host has characters a host cannot have");
      }
    }
    if (u.has_port()) {
      const auto port = detail::parse_digits(u.port(), 10);
      if (!port || *port < 1 || *port > 65535) {
        return refuse("the port is not a number from 1 to 65535");
      }
      endpoint.port = static_cast<std::uint16_t>(*port);
    }
    const std::string_view path = u.encoded_path();
    if (!path.empty() && path != "/") {
      auto db = parse_database(path.substr(1));
      if (!db) return Unexpected(std::move(db).error());
      endpoint.database = *db;
    }
    if (u.has_query()) return refuse("a query (?...) has no meaning in a redis:// URL");
    return endpoint;
  }

  // unix://[user[:password]@]/path[?db=N]
  if (!u.host_address().empty() || u.has_port()) {
    return refuse("a unix:// URL names a socket path, not a host: unix:///path/to/redis.sock");
  }
  endpoint.socket_path = u.path();
  if (endpoint.socket_path.size() < 2 || endpoint.socket_path.front() != '/') {
    return refuse("the socket path must be absolute: unix:///path/to/redis.sock");
  }
  if (endpoint.socket_path.size() > 107) {
    return refuse("socket path longer than 107 bytes (the limit of a unix socket address)");
  }
  if (endpoint.socket_path.find('\0') != std::string::npos) {
    return refuse("the socket path contains a NUL byte");
  }
  if (u.has_query()) {
    for (const auto& param : u.params()) {
      if (param.key != "db" || !param.has_value) {
        return refuse("unknown query parameter (only db=N)");
      }
      auto db = parse_database(param.value);
      if (!db) return Unexpected(std::move(db).error());
      endpoint.database = *db;
    }
  }
  return endpoint;
}

}  // namespace upgate::limits
