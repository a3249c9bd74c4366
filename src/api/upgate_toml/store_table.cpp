// [store]: the embedded store that `upgate serve` runs: the base domain of its
// virtual-hosted buckets, the default lifecycle rule of its bucket, its slow-client limits
// and connection caps, and its certificate pair ([store.tls]).
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_store_table(const TomlTable& t, FileSettings& out) {
  const auto known = with_client_limits_keys({"domain", "abort_incomplete_days", "tls"});
  KeyReader r(t, known);
  r.string("domain", out.store.domain);
  r.integer_in("abort_incomplete_days", 0, kMaxAbortIncompleteDays,
               "must be a whole number of days from 0 (no default rule) to 36500",
               out.store.abort_incomplete_days);
  read_client_limits(r, out.store.clients);
  if (auto ok = r.result(); !ok) return ok;
  return read_tls_table(t, false, out.store.tls);
}

}  // namespace upgate::api
