// [uppy]: the default profile of the Uppy companion routes and the upload sessions' life.
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_uppy_table(const TomlTable& t, FileSettings& out) {
  KeyReader r(t, {"profile", "session_seconds"});
  r.string("profile", out.uppy.profile);
  r.integer_in("session_seconds", 60, 24 * 3600, "must be an integer from 60 to 86400",
               out.uppy.session_seconds);
  return r.result();
}

}  // namespace upgate::api
