// [store]: the embedded store that `upgate serve` runs, for now its certificate pair
// ([store.tls]).
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_store_table(const TomlTable& t, FileSettings& out) {
  if (auto ok = t.allow_only({"tls"}); !ok) return ok;
  return read_tls_table(t, false, out.store.tls);
}

}  // namespace upgate::api
