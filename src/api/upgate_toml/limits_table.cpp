// [limits]: the limits over every profile, and where limit state lives. Values are
// checked in api_config.cpp (redis_url may also come from UPGATE_REDIS_URL).
#include "upgate_toml.hpp"

namespace upgate::api {

Expected<void, ConfigError> read_limits_table(const TomlTable& t, FileSettings& out) {
  KeyReader r(t, {"rate", "burst", "quota", "redis_url", "on_store_error", "max_keys"});
  r.string("rate", out.limits.rate);
  r.string("quota", out.limits.quota);
  r.string("redis_url", out.limits.redis_url);
  r.string("on_store_error", out.limits.on_store_error);
  if (auto ok = r.result(); !ok) return ok;
  auto burst = t.integer_in("burst", 1, static_cast<std::int64_t>(limits::kMaxBurst),
                            "must be an integer from 1 to 1000000000");
  if (!burst) return Unexpected(std::move(burst).error());
  out.limits.burst = *burst;
  auto max_keys = t.integer_in("max_keys", static_cast<std::int64_t>(kMinLimitKeys),
                               static_cast<std::int64_t>(kMaxLimitKeys),
                               "must be an integer from 1000 to 100000000");
  if (!max_keys) return Unexpected(std::move(max_keys).error());
  out.limits.max_keys = *max_keys;
  return {};
}

}  // namespace upgate::api
