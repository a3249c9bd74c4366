// [server]: where the API listens, its threads, the drain period, the demo page (and the
// other APIs its ?api= may name), the
// proxies whose X-Forwarded-For is believed, its slow-client limits and connection caps,
// the plain-HTTP redirect listener and its certificate pair ([server.tls]).
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_server_table(const TomlTable& t, FileSettings& out) {
  const auto known =
      with_client_limits_keys({"listen", "threads", "drain_seconds", "demo_page",
                               "demo_api_origins", "trusted_proxies", "http_redirect", "tls"});
  KeyReader r(t, known);
  r.string("listen", out.server.listen);
  r.integer_in("threads", 0, kMaxThreads, kThreadsRange, out.server.threads);
  r.integer_in("drain_seconds", 0, kMaxDrainSeconds, drain_seconds_range(),
               out.server.drain_seconds);
  r.boolean("demo_page", out.server.demo_page);
  r.strings("demo_api_origins", out.server.demo_api_origins);
  r.strings("trusted_proxies", out.server.trusted_proxies);
  read_client_limits(r, out.server.clients);
  r.string("http_redirect", out.server.http_redirect);
  if (auto ok = r.result(); !ok) return ok;
  return read_tls_table(t, true, out.server.tls);
}

}  // namespace upgate::api
