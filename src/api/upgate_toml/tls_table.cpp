// [server.tls] and [store.tls]: a listener's certificate pair and how often its files
// are checked for a renewal; for the API also the HSTS max-age.
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_tls_table(const TomlTable& parent, bool api, TlsTable& out) {
  auto table = parent.table("tls");
  if (!table) return Unexpected(std::move(table).error());
  if (!*table) return {};
  const TomlTable& t = **table;
  std::optional<KeyReader> reader;
  if (api) {
    reader.emplace(
        t, std::initializer_list<std::string_view>{"cert", "key", "watch_seconds", "hsts_max_age"});
  } else {
    reader.emplace(t, std::initializer_list<std::string_view>{"cert", "key", "watch_seconds"});
  }
  KeyReader& r = *reader;
  r.string("cert", out.cert);
  r.string("key", out.key);
  r.integer_in("watch_seconds", 0, kMaxTlsWatchSeconds, kTlsWatchRange, out.watch_seconds);
  if (api) {
    r.integer_in("hsts_max_age", 0, kMaxHstsSeconds, kHstsRange, out.hsts_max_age);
  }
  return r.result();
}

}  // namespace upgate::api
