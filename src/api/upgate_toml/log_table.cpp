// [log]: the log level, the access log and the audit lines.
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_log_table(const TomlTable& t, FileSettings& out) {
  KeyReader r(t, {"level", "access_log", "audit"});
  r.string("level", out.log.level);
  r.boolean("access_log", out.log.access_log);
  r.boolean("audit", out.log.audit);
  return r.result();
}

}  // namespace upgate::api
