// [auth] and its sub-tables [auth.jwt], [auth.hook], [auth.api_keys]: how `upgate serve`
// learns who is asking (auth_config.hpp is the contract, docs/auth.md the guide). Only
// the file sets these, so they are checked here, each error naming its dotted key. What
// needs the outside world (the keys file, the JWKS, the secret's variable) is checked
// when the authenticators are built (auth_chain.hpp).
#include <algorithm>
#include <array>

#include "upgate/config/units.hpp"
#include "upgate/text.hpp"
#include "upgate_toml.hpp"

namespace upgate::api {
namespace {

using config::fail;

constexpr std::string_view kDurationForms = "a duration such as 60, \"90s\" or \"2m\"";

// A string or an array of strings ("audience").
Expected<std::vector<std::string>, ConfigError> one_or_many(const TomlTable& t,
                                                            std::string_view key) {
  if (auto many = t.strings(key); many) return many->value_or(std::vector<std::string>{});
  auto one = t.string(key);
  if (!one) return fail(t.field(key), "must be a string or an array of strings");
  if (!*one) return std::vector<std::string>{};
  return std::vector<std::string>{**one};
}

// "2s", "1500ms", 2 (seconds): the hook's timeout.
std::optional<std::chrono::milliseconds> parse_timeout(std::string_view text) {
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    const std::string_view digits = text::trim(text.substr(0, text.size() - 2));
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return text::is_digit(c); })) {
      return std::nullopt;
    }
    return std::chrono::milliseconds(std::stoll(std::string(digits)));
  }
  auto seconds = config::parse_duration(text);
  if (!seconds) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*seconds);
}

bool is_http_url(std::string_view url) {
  return text::istarts_with(url, "http://") || text::istarts_with(url, "https://");
}

// RFC 6265's cookie-name: an RFC 7230 token.
bool is_cookie_name(std::string_view name) {
  constexpr std::string_view kSeparators = "()<>@,;:\\\"/[]?={} \t";
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [&](char c) {
    return c > 0x20 && c < 0x7f && kSeparators.find(c) == std::string_view::npos;
  });
}

Expected<JwtSettings, ConfigError> read_jwt(const TomlTable& t) {
  std::optional<std::string> issuer, jwks_url, jwks_file, secret_env, cookie, claim;
  std::optional<std::vector<std::string>> algorithms;
  std::optional<std::chrono::seconds> leeway;
  KeyReader r(t, {"issuer", "audience", "jwks_url", "jwks_file", "secret_env", "cookie",
                  "algorithms", "leeway", "principal_claim"});
  r.string("issuer", issuer);
  if (auto ok = r.result(); !ok) return Unexpected(std::move(ok).error());
  JwtSettings jwt;
  if (!issuer || issuer->empty()) {
    return fail(t.field("issuer"), "is required: the `iss` every token must carry");
  }
  jwt.issuer = *issuer;
  auto audiences = one_or_many(t, "audience");
  if (!audiences) return Unexpected(std::move(audiences).error());
  if (audiences->empty() ||
      std::any_of(audiences->begin(), audiences->end(), [](const auto& a) { return a.empty(); })) {
    return fail(t.field("audience"),
                "is required: the `aud` a token must name (a string, or an array of them)");
  }
  jwt.audiences = std::move(*audiences);
  r.string("jwks_url", jwks_url)
      .string("jwks_file", jwks_file)
      .string("secret_env", secret_env)
      .string("cookie", cookie)
      .strings("algorithms", algorithms)
      .quantity("leeway", config::parse_duration, kDurationForms, leeway)
      .string("principal_claim", claim);
  if (auto ok = r.result(); !ok) return Unexpected(std::move(ok).error());
  if (jwks_url && !jwks_url->empty()) {
    if (!is_http_url(*jwks_url)) {
      return fail(t.field("jwks_url"), "must be an http:// or https:// URL");
    }
    jwt.jwks_url = *jwks_url;
  }
  jwt.jwks_file = jwks_file.value_or("");
  jwt.secret_env = secret_env.value_or("");
  if (jwt.jwks_url.empty() && jwt.jwks_file.empty() && jwt.secret_env.empty()) {
    return fail(t.path(), "needs keys: jwks_url, jwks_file or secret_env");
  }
  if (cookie) {
    if (!is_cookie_name(*cookie)) return fail(t.field("cookie"), "is not a cookie name");
    jwt.cookie = *cookie;
  }
  if (algorithms) {
    if (algorithms->empty()) return fail(t.field("algorithms"), "must list at least one");
    jwt.algorithms = std::move(*algorithms);
  }
  if (leeway) {
    if (*leeway > std::chrono::minutes(10)) {
      return fail(t.field("leeway"), "must be at most 600 seconds");
    }
    jwt.leeway = *leeway;
  }
  if (claim) {
    if (claim->empty()) return fail(t.field("principal_claim"), "must name a claim");
    jwt.principal_claim = *claim;
  }
  return jwt;
}

Expected<HookSettings, ConfigError> read_hook(const TomlTable& t) {
  std::optional<std::string> url;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::chrono::seconds> cache_ttl;
  KeyReader r(t, {"url", "timeout", "cache_ttl"});
  r.string("url", url)
      .quantity("timeout", parse_timeout, "a duration such as 2, \"2s\" or \"500ms\"", timeout)
      .quantity("cache_ttl", config::parse_duration, kDurationForms, cache_ttl);
  if (auto ok = r.result(); !ok) return Unexpected(std::move(ok).error());
  HookSettings hook;
  if (!url || !is_http_url(*url)) {
    return fail(t.field("url"), "is required: the app's http:// or https:// URL to ask");
  }
  hook.url = *url;
  if (timeout) {
    if (timeout->count() < 1 || *timeout > kMaxHookTimeout) {
      return fail(t.field("timeout"), "must be between 1 ms and 30 s");
    }
    hook.timeout = *timeout;
  }
  if (cache_ttl) {
    if (*cache_ttl > kMaxHookCacheTtl) {
      return fail(t.field("cache_ttl"), "must be at most 3600 seconds (0: no cache)");
    }
    hook.cache_ttl = *cache_ttl;
  }
  return hook;
}

Expected<ApiKeySettings, ConfigError> read_api_keys(const TomlTable& t) {
  std::optional<std::string> keys_file;
  KeyReader r(t, {"keys_file"});
  r.string("keys_file", keys_file);
  if (auto ok = r.result(); !ok) return Unexpected(std::move(ok).error());
  if (!keys_file || keys_file->empty()) {
    return fail(t.field("keys_file"),
                "is required: the file `upgate apikey create` writes the keys to");
  }
  return ApiKeySettings{*keys_file};
}

std::string table_of(auth::AuthMode mode) {
  return mode == auth::AuthMode::kApiKey ? "auth.api_keys"
                                         : "auth." + std::string(auth::to_string(mode));
}

// `modes` as written, or the tables present in the order jwt, hook, api_key.
Expected<std::vector<auth::AuthMode>, ConfigError> read_modes(const TomlTable& t,
                                                              const AuthConfig& auth) {
  const auto configured = [&auth](auth::AuthMode mode) {
    return (mode == auth::AuthMode::kJwt && auth.jwt) ||
           (mode == auth::AuthMode::kHook && auth.hook) ||
           (mode == auth::AuthMode::kApiKey && auth.api_keys);
  };
  constexpr std::array kModes = {auth::AuthMode::kJwt, auth::AuthMode::kHook,
                                 auth::AuthMode::kApiKey};
  auto written = t.strings("modes");
  if (!written) return Unexpected(std::move(written).error());
  std::vector<auth::AuthMode> modes;
  if (!*written) {
    for (const auto mode : kModes)
      if (configured(mode)) modes.push_back(mode);
    return modes;
  }
  const std::string field = t.field("modes");
  if (**written == std::vector<std::string>{"none"}) {
    for (const auto mode : kModes) {
      if (configured(mode)) {
        return fail(field, "is [\"none\"], but [" + table_of(mode) + "] is configured");
      }
    }
    return modes;
  }
  for (const std::string& name : **written) {
    const auto mode = std::find_if(kModes.begin(), kModes.end(),
                                   [&](auto m) { return auth::to_string(m) == name; });
    if (mode == kModes.end()) {
      return fail(field,
                  "\"" + name + "\" is not a mode (jwt, hook, api_key; or [\"none\"] alone)");
    }
    if (std::find(modes.begin(), modes.end(), *mode) != modes.end()) {
      return fail(field, "lists \"" + name + "\" twice");
    }
    if (!configured(*mode)) {
      return fail(field, "lists \"" + name + "\" but [" + table_of(*mode) + "] is missing");
    }
    modes.push_back(*mode);
  }
  for (const auto mode : kModes) {
    if (configured(mode) && std::find(modes.begin(), modes.end(), mode) == modes.end()) {
      return fail(field, "leaves out \"" + std::string(auth::to_string(mode)) + "\", but [" +
                             table_of(mode) + "] is configured: list it, or remove the table");
    }
  }
  return modes;
}

}  // namespace

Expected<void, ConfigError> read_auth_table(const TomlTable& t, FileSettings& out) {
  if (auto ok = t.allow_only({"modes", "allow_anonymous", "jwt", "hook", "api_keys"}); !ok) {
    return Unexpected(std::move(ok).error());
  }
  AuthConfig auth;
  auto allow_anonymous = t.boolean("allow_anonymous");
  if (!allow_anonymous) return Unexpected(std::move(allow_anonymous).error());
  auth.allow_anonymous = allow_anonymous->value_or(false);
  for (const std::string_view name : {"jwt", "hook", "api_keys"}) {
    auto table = t.table(name);
    if (!table) return Unexpected(std::move(table).error());
    if (!*table) continue;
    if (name == "jwt") {
      auto jwt = read_jwt(**table);
      if (!jwt) return Unexpected(std::move(jwt).error());
      auth.jwt = std::move(*jwt);
    } else if (name == "hook") {
      auto hook = read_hook(**table);
      if (!hook) return Unexpected(std::move(hook).error());
      auth.hook = std::move(*hook);
    } else {
      auto keys = read_api_keys(**table);
      if (!keys) return Unexpected(std::move(keys).error());
      auth.api_keys = std::move(*keys);
    }
  }
  auto modes = read_modes(t, auth);
  if (!modes) return Unexpected(std::move(modes).error());
  auth.modes = std::move(*modes);
  out.auth = std::move(auth);
  return {};
}

}  // namespace upgate::api
