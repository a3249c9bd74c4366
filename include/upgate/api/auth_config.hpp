// upgate::api::AuthConfig: how `upgate serve` learns who is asking — the [auth] table of
// upgate.toml and its [auth.jwt], [auth.hook] and [auth.api_keys] sub-tables — and each
// profile's `auth` rule. docs/auth.md is the user's guide; auth_chain.hpp runs it.
//
//   [auth]
//   modes = ["jwt", "api_key"]   # tried in this order; default: the tables present, in
//                                # the order jwt, hook, api_key; ["none"] (or nothing)
//                                # is the seed's open API
//   allow_anonymous = false      # the open API on a non-loopback listener: explicit only
//
// With any mode configured, a profile's `auth` defaults to "required"; "optional" lets
// requests without credentials through as anonymous (credentials that are presented must
// still be valid), and "none" makes the profile a public drop box that never looks at
// credentials (logged as a warning at start-up). With no mode, every profile is open.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/auth/principal.hpp"

namespace upgate::api {

enum class ProfileAuth : std::uint8_t { required, optional, none };
std::string_view to_string(ProfileAuth rule) noexcept;  // "required", "optional", "none"
std::optional<ProfileAuth> parse_profile_auth(std::string_view text) noexcept;

// [auth.jwt]
struct JwtSettings {
  std::string issuer;                  // required
  std::vector<std::string> audiences;  // `audience`: a string or an array; required
  std::string jwks_url;                // keys: at least one of these three
  std::string jwks_file;
  std::string secret_env;               // the variable holding an HS256/384/512 secret
  std::string cookie;                   // a cookie that carries the token; empty: none
  std::vector<std::string> algorithms;  // empty: RS256, ES256, EdDSA
  std::chrono::seconds leeway{60};
  std::string principal_claim = "sub";
  // A JWKS fetch triggered by an unknown kid, or retrying after a failed fetch, happens at
  // most once per this interval.
  std::chrono::seconds jwks_min_interval{30};
};

// [auth.hook]
struct HookSettings {
  std::string url;  // http:// or https:// (verified against the system's trust store)
  std::chrono::milliseconds timeout{2000};
  std::chrono::seconds cache_ttl{10};  // 0: ask the app every time
};

// [auth.api_keys]
struct ApiKeySettings {
  std::string keys_file;
};

inline constexpr std::chrono::seconds kMaxHookCacheTtl{3600};
inline constexpr std::chrono::milliseconds kMaxHookTimeout{30000};

struct AuthConfig {
  // In the order they are tried; never holds kNone (an open deployment has none at all).
  std::vector<auth::AuthMode> modes;
  bool allow_anonymous = false;
  std::optional<JwtSettings> jwt;
  std::optional<HookSettings> hook;
  std::optional<ApiKeySettings> api_keys;

  // No mode: the seed's open API.
  bool open() const noexcept { return modes.empty(); }
};

}  // namespace upgate::api
