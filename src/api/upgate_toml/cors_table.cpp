// [cors]: which browser origins may call the API.
#include "upgate/config/units.hpp"
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_cors_table(const TomlTable& t, FileSettings& out) {
  KeyReader r(t, {"allowed_origins", "allow_credentials", "max_age"});
  r.strings("allowed_origins", out.cors.allowed_origins);
  r.boolean("allow_credentials", out.cors.allow_credentials);
  r.quantity("max_age", config::parse_duration, "a duration such as 600 or \"10m\"",
             out.cors.max_age);
  return r.result();
}

}  // namespace upgate::api
