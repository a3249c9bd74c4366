// [log]: the log level and the access log.
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_log_table(const TomlTable& t, FileSettings& out) {
  KeyReader r(t, {"level", "access_log"});
  r.string("level", out.log.level);
  r.boolean("access_log", out.log.access_log);
  return r.result();
}

}  // namespace upgate::api
