// [store]: the embedded store that `upgate serve` runs: the base domain of its
// virtual-hosted buckets, its slow-client limits and connection caps, and its certificate
// pair ([store.tls]).
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_store_table(const TomlTable& t, FileSettings& out) {
  const auto known = with_client_limits_keys({"domain", "tls"});
  KeyReader r(t, known);
  r.string("domain", out.store.domain);
  read_client_limits(r, out.store.clients);
  if (auto ok = r.result(); !ok) return ok;
  return read_tls_table(t, false, out.store.tls);
}

}  // namespace upgate::api
