// upgate::api::LimitsConfig and ProfileLimits: the rate limits, quotas and open-upload
// caps of the upload API as upgate.toml writes them (docs/LIMITS.md is the user's guide).
//
//   [limits]                          # every key optional
//   rate = "600/min"                  # all profiles together, per caller
//   burst = 100
//   quota = "50 GiB/day"              # all profiles together, per caller
//   redis_url = "redis://cache:6379/0"  # shared by every copy; absent: in memory
//   on_store_error = "deny"           # Redis unreachable: "deny" (503) or "allow" (logged)
//   max_keys = 1000000                # in memory: the bound on limit state
//
//   [profiles.avatars]
//   rate = "60/min"                   # this profile, per caller
//   burst = 10
//   quota = "10 GiB/day"              # bytes of declared upload sizes signed
//   max_open_uploads = 5              # URLs issued and not yet expired (or completed)
//
// A caller is its principal when authenticated, else its client address
// (client_address.hpp: the peer, or X-Forwarded-For from `[server] trusted_proxies`).
// With no limit anywhere the API asks no limiter at all.
#pragma once

#include <cstddef>
#include <optional>

#include "upgate/limits/limiter.hpp"
#include "upgate/limits/redis_url.hpp"
#include "upgate/limits/specs.hpp"

namespace upgate::api {

struct ProfileLimits {
  std::optional<limits::RateSpec> rate;
  std::optional<limits::QuotaSpec> quota;
  std::optional<limits::OpenUploadsSpec> max_open_uploads;

  bool any() const noexcept { return rate || quota || max_open_uploads; }
};

struct LimitsConfig {
  std::optional<limits::RateSpec> rate;    // per caller, every profile together
  std::optional<limits::QuotaSpec> quota;  // per caller, every profile together
  std::optional<limits::RedisEndpoint> redis;
  limits::StoreErrorPolicy on_store_error = limits::StoreErrorPolicy::deny;
  std::size_t max_keys = 1'000'000;
};

inline constexpr std::size_t kMinLimitKeys = 1'000;
inline constexpr std::size_t kMaxLimitKeys = 100'000'000;

}  // namespace upgate::api
