// The API's configuration: the sources merged, flags > UPGATE_* > upgate.toml > AWS_* >
// the AWS shared files > defaults, then checked. Reading upgate.toml is upgate_toml/.
#include "upgate/api/api_config.hpp"

#include <algorithm>
#include <charconv>

#include "upgate/config/aws_shared_config.hpp"
#include "upgate/config/first_source.hpp"
#include "upgate/text.hpp"
#include "upgate_toml/upgate_toml.hpp"

namespace upgate::api {
namespace {

using config::first_of;
using config::from;
using config::variable;

using config::fail;

bool valid_origin(std::string_view origin) {
  // scheme://host[:port], no path, no trailing slash: what browsers send in Origin.
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string_view scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const std::string_view rest = origin.substr(scheme_end + 3);
  if (rest.empty()) return false;
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return text::is_alnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

bool valid_log_level(std::string_view level) {
  for (std::string_view known : {"trace", "debug", "info", "warn", "error", "off"}) {
    if (level == known) return true;
  }
  return false;
}

// A base domain for virtual-hosted buckets, lower-cased: DNS labels of letters, digits and
// '-' (not at either end), dot-separated, at most 253 characters in all, not an IP address
// (a bucket cannot be a label in front of one). Nullopt when it is none of that.
std::optional<std::string> domain_name(std::string_view text) {
  if (text.empty() || text.size() > 253 || text::is_ip_literal_host(text)) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  std::size_t label = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.') {
      if (label == 0 || label > 63 || out.back() == '-') return std::nullopt;
      if (i < text.size()) out += '.';
      label = 0;
      continue;
    }
    const char c = text::to_lower(text[i]);
    if (!(text::is_alnum(c) || (c == '-' && label > 0))) return std::nullopt;
    out += c;
    ++label;
  }
  return out;
}

// The UPGATE_* variables' forms of the values a flag or the file gives typed.
std::optional<unsigned> parse_whole_number(std::string_view text, unsigned max) {
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n > max) return std::nullopt;
  return n;
}

std::optional<bool> parse_on_off(std::string_view text) {
  if (text == "1" || text == "true" || text == "on" || text == "yes") return true;
  if (text == "0" || text == "false" || text == "off" || text == "no") return false;
  return std::nullopt;
}

std::vector<std::string> split_commas(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = text::trim(list.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

// A flag given as a list: set when it holds anything.
std::optional<std::vector<std::string>> unless_empty(const std::vector<std::string>& values) {
  if (values.empty()) return std::nullopt;
  return values;
}

Expected<void, ConfigError> check_cors(const CorsConfig& cors, const std::string& field) {
  if (cors.max_age > std::chrono::hours(24)) {
    return fail("cors.max_age", "must be at most 86400 seconds");
  }
  for (const std::string& origin : cors.allowed_origins) {
    if (origin == "*") {
      if (cors.allowed_origins.size() != 1) {
        return fail(field, "\"*\" must be the only origin when used");
      }
      if (cors.allow_credentials) {
        return fail(field, "\"*\" cannot be combined with cors.allow_credentials = true");
      }
      continue;
    }
    if (!valid_origin(origin)) {
      return fail(field, "'" + origin + "' is not an origin (scheme://host[:port], no path)");
    }
  }
  return {};
}

// [limits], with redis_url from wherever it came. A redis_url error never repeats the URL
// (it may hold a password).
Expected<void, ConfigError> read_limits(
    const LimitsTable& file, const std::optional<config::Sourced<std::string>>& redis_url,
    LimitsConfig& out) {
  if (file.rate) {
    auto spec = limits::parse_rate(*file.rate, file.burst);
    if (!spec) return fail("limits.rate", spec.error());
    out.rate = *spec;
  } else if (file.burst) {
    return fail("limits.burst", "needs a rate beside it (rate = \"600/min\")");
  }
  if (file.quota) {
    auto spec = limits::parse_quota(*file.quota);
    if (!spec) return fail("limits.quota", spec.error());
    out.quota = *spec;
  }
  if (redis_url && !redis_url->value.empty()) {
    auto endpoint = limits::parse_redis_url(redis_url->value);
    if (!endpoint) return fail(redis_url->field, endpoint.error());
    out.redis = std::move(*endpoint);
  }
  if (file.on_store_error) {
    auto policy = limits::parse_store_error_policy(*file.on_store_error);
    if (!policy) return fail("limits.on_store_error", policy.error());
    out.on_store_error = *policy;
  }
  if (file.max_keys) out.max_keys = static_cast<std::size_t>(*file.max_keys);
  return {};
}

// A listener's slow-client limits and connection caps from its table; the defaults
// (http::ClientLimits) for what the file leaves out.
Expected<http::ClientLimits, ConfigError> client_limits(const ClientLimitsTable& file,
                                                        std::string_view table) {
  const std::string prefix = std::string(table) + ".";
  http::ClientLimits out;
  constexpr std::chrono::seconds kMaxSeconds{3600};
  if (file.header_timeout) {
    if (file.header_timeout->count() < 1 || *file.header_timeout > kMaxSeconds) {
      return fail(prefix + "header_timeout", "must be from 1 second to 1 hour");
    }
    out.header_timeout = *file.header_timeout;
  }
  if (file.min_rate_window) {
    if (file.min_rate_window->count() < 1 || *file.min_rate_window > kMaxSeconds) {
      return fail(prefix + "min_rate_window", "must be from 1 second to 1 hour");
    }
    out.min_rate_window = *file.min_rate_window;
  }
  constexpr std::uint64_t kMaxRate = 1ull << 30;  // 1 GiB/s: a minimum above is a typo
  if (file.body_min_rate) {
    if (*file.body_min_rate > kMaxRate) {
      return fail(prefix + "body_min_rate", "must be at most 1 GiB (bytes per second)");
    }
    out.body_min_rate = *file.body_min_rate;
  }
  if (file.send_min_rate) {
    if (*file.send_min_rate > kMaxRate) {
      return fail(prefix + "send_min_rate", "must be at most 1 GiB (bytes per second)");
    }
    out.send_min_rate = *file.send_min_rate;
  }
  constexpr std::uint64_t kMaxCap = 10'000'000;
  if (file.max_connections) {
    if (*file.max_connections > kMaxCap) {
      return fail(prefix + "max_connections", "must be at most 10000000 (0: no cap)");
    }
    out.max_connections = static_cast<std::size_t>(*file.max_connections);
  }
  if (file.max_connections_per_client) {
    if (*file.max_connections_per_client > kMaxCap) {
      return fail(prefix + "max_connections_per_client", "must be at most 10000000 (0: no cap)");
    }
    out.max_connections_per_client = static_cast<std::size_t>(*file.max_connections_per_client);
  }
  return out;
}

// A listener's pair: the cert and the key each from the first source that has it
// (flag > variable > file), then both or neither.
Expected<std::optional<http::TlsSettings>, ConfigError> merge_tls(
    const config::Environment& env, const std::optional<std::string>& cert_flag,
    const std::optional<std::string>& key_flag, std::string_view flag_prefix,
    std::string_view variable_prefix, const TlsTable& file, std::string_view table) {
  const std::string cert_name = std::string(flag_prefix) + "tls-cert";
  const std::string key_name = std::string(flag_prefix) + "tls-key";
  const std::string cert_field = std::string(table) + ".cert";
  const std::string key_field = std::string(table) + ".key";
  const auto cert =
      first_of(from(cert_flag, cert_name), variable(env, std::string(variable_prefix) + "TLS_CERT"),
               from(file.cert, cert_field));
  const auto key =
      first_of(from(key_flag, key_name), variable(env, std::string(variable_prefix) + "TLS_KEY"),
               from(file.key, key_field));
  const bool has_cert = cert && !cert->value.empty();
  const bool has_key = key && !key->value.empty();
  if (has_cert != has_key) {
    return fail(has_cert ? cert->field : key->field,
                "the certificate chain and its private key go together: give both " + cert_name +
                    " and " + key_name + " (or " + cert_field + " and " + key_field + ")");
  }
  if (!has_cert) return std::optional<http::TlsSettings>();
  http::TlsSettings settings;
  settings.files.certificate_chain = cert->value;
  settings.files.private_key = key->value;
  if (file.watch_seconds) settings.watch_interval = std::chrono::seconds(*file.watch_seconds);
  return std::optional<http::TlsSettings>(std::move(settings));
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs [...]
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty() || value > 65535) {
    return std::nullopt;
  }
  ListenAddress out;
  out.port = static_cast<std::uint16_t>(value);
  if (host.empty() || host == "localhost") {
    out.host = "127.0.0.1";
  } else {
    const bool plausible = std::all_of(host.begin(), host.end(), [](char c) {
      return text::is_hex_digit(c) || c == '.' || c == ':';
    });
    if (!plausible) return std::nullopt;
    out.host = std::string(host);
  }
  return out;
}

Expected<ApiConfig, ConfigError> parse_api_config(const config::Environment& env,
                                                  const ApiFlags& flags,
                                                  std::optional<std::string_view> toml_text,
                                                  std::string_view source) {
  FileSettings file;
  if (toml_text) {
    auto read = read_upgate_toml(*toml_text, source);
    if (!read) return Unexpected(std::move(read).error());
    file = std::move(*read);
  }
  const auto threads_text = [](std::string_view v) { return parse_whole_number(v, kMaxThreads); };
  const auto drain_text = [](std::string_view v) {
    return parse_whole_number(v, kMaxDrainSeconds);
  };

  // Each setting: the first source that has it (config/first_source.hpp). The S3
  // target's AWS_* variables, AWS profile and defaults come after these, in
  // resolve_s3_target. Values are checked below, in this order.
  const auto listen = first_of(from(flags.listen, "--listen"), variable(env, "UPGATE_LISTEN"),
                               from(file.server.listen, "server.listen"));
  const auto threads = first_of(from(flags.threads, "--threads"),
                                variable(env, "UPGATE_THREADS", threads_text, kThreadsRange),
                                from(file.server.threads, "server.threads"));
  const auto drain =
      first_of(from(flags.drain_seconds, "--drain-seconds"),
               variable(env, "UPGATE_DRAIN_SECONDS", drain_text, drain_seconds_range()),
               from(file.server.drain_seconds, "server.drain_seconds"));
  const auto demo_page =
      first_of(from(flags.demo_page, "--no-demo"), from(file.server.demo_page, "server.demo_page"));
  config::S3Settings s3;
  s3.endpoint = first_of(from(flags.endpoint, "--endpoint"), variable(env, "UPGATE_S3_ENDPOINT"),
                         from(file.s3.endpoint, "s3.endpoint"));
  s3.region = first_of(from(flags.region, "--region"), variable(env, "UPGATE_S3_REGION"),
                       from(file.s3.region, "s3.region"));
  s3.bucket = first_of(from(flags.bucket, "--bucket"), variable(env, "UPGATE_S3_BUCKET"),
                       from(file.s3.bucket, "s3.bucket"));
  s3.path_style = flags.path_style ? flags.path_style : file.s3.path_style;
  s3.aws_profile = flags.aws_profile ? flags.aws_profile : file.s3.aws_profile;
  const auto origins = first_of(from(unless_empty(flags.cors_origins), "--cors-origin"),
                                variable(env, "UPGATE_CORS_ORIGINS", split_commas),
                                from(file.cors.allowed_origins, "cors.allowed_origins"));
  const auto level = first_of(from(flags.log_level, "--log-level"),
                              variable(env, "UPGATE_LOG_LEVEL"), from(file.log.level, "log.level"));
  const auto trusted_proxies =
      first_of(variable(env, "UPGATE_TRUSTED_PROXIES", split_commas),
               from(file.server.trusted_proxies, "server.trusted_proxies"));
  const auto http_redirect =
      first_of(from(flags.http_redirect, "--http-redirect"), variable(env, "UPGATE_HTTP_REDIRECT"),
               from(file.server.http_redirect, "server.http_redirect"));
  const auto store_domain =
      first_of(from(flags.store_domain, "--store-domain"), variable(env, "UPGATE_STORE_DOMAIN"),
               from(file.store.domain, "store.domain"));
  const auto redis_url =
      first_of(variable(env, "UPGATE_REDIS_URL"), from(file.limits.redis_url, "limits.redis_url"));
  const auto access_log =
      first_of(from(flags.access_log, "--no-access-log"),
               variable(env, "UPGATE_ACCESS_LOG", parse_on_off, "must be on or off"),
               from(file.log.access_log, "log.access_log"));

  ApiConfig config;
  if (listen) {
    auto address = parse_listen_address(listen->value);
    if (!address) {
      return fail(listen->field,
                  "'" + listen->value + "' is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080)");
    }
    config.listen_host = address->host;
    config.listen_port = address->port;
  }

  if (!threads) return Unexpected(threads.error());
  if (*threads) config.threads = (*threads)->value;
  if (config.threads > kMaxThreads) return fail("--threads", "must be at most 256");

  if (!drain) return Unexpected(drain.error());
  if (*drain && (*drain)->value > kMaxDrainSeconds) {
    return fail((*drain)->field, drain_seconds_range());
  }
  config.drain_period = std::chrono::seconds(*drain ? (*drain)->value : 0);

  config.demo_page = demo_page ? demo_page->value : true;
  const std::vector<std::string> no_origins;
  for (const std::string& origin :
       file.server.demo_api_origins ? *file.server.demo_api_origins : no_origins) {
    std::string lower = text::lower(origin);
    if (!valid_origin(lower)) {
      return fail("server.demo_api_origins",
                  "'" + origin + "' is not an origin (scheme://host[:port], no path, no \"*\")");
    }
    config.demo_api_origins.push_back(std::move(lower));
  }

  if (flags.resolve_s3_target) {
    auto target = config::resolve_s3_target(env, s3);
    if (!target) return Unexpected(target.error());
    config.s3 = std::move(*target);
  }

  config.auth = std::move(file.auth);  // before the profiles: their checks depend on it
  std::vector<UploadProfile> profiles = std::move(file.profiles);
  if (profiles.empty()) {
    profiles.push_back(default_profile());
    if (!config.auth.open()) {
      // Under authentication the implicit profile keeps each principal's files apart.
      auto owned = KeyTemplate::compile(kPrincipalKeyTemplate);
      if (!owned) return fail("profiles", owned.error());
      profiles.back().key_template = std::move(*owned);
    }
  }
  for (const UploadProfile& profile : profiles) {
    // Callers have principals when a mode is configured and the profile looks at them.
    const bool with_principals =
        !config.auth.open() && profile.auth.value_or(ProfileAuth::required) != ProfileAuth::none;
    if (auto ok = check_ownership(profile, with_principals); !ok) {
      return Unexpected(std::move(ok).error());
    }
  }
  auto set = ProfileSet::create(std::move(profiles));
  if (!set) return fail("profiles", set.error());
  config.profiles = std::move(*set);

  if (config.auth.open()) {
    // A rule that asks for credentials with nothing to check them would sign for anyone.
    for (const UploadProfile& p : config.profiles.profiles()) {
      if (p.auth && *p.auth != ProfileAuth::none) {
        return fail("profiles." + p.name + ".auth",
                    "is \"" + std::string(to_string(*p.auth)) +
                        "\", but [auth] configures no mode to check credentials with");
      }
    }
  }

  auto tls =
      merge_tls(env, flags.tls_cert, flags.tls_key, "--", "UPGATE_", file.server.tls, "server.tls");
  if (!tls) return Unexpected(std::move(tls).error());
  config.tls = std::move(*tls);
  auto store_tls = merge_tls(env, flags.store_tls_cert, flags.store_tls_key, "--store-",
                             "UPGATE_STORE_", file.store.tls, "store.tls");
  if (!store_tls) return Unexpected(std::move(store_tls).error());
  config.store_tls = std::move(*store_tls);
  if (store_domain && !store_domain->value.empty()) {
    auto domain = domain_name(store_domain->value);
    if (!domain) {
      return fail(store_domain->field,
                  "'" + store_domain->value +
                      "' is not a domain name (DNS labels of letters, digits and '-', no port, "
                      "not an IP address; e.g. s3.example.com)");
    }
    if (flags.resolve_s3_target && !config.s3.embedded) {
      return fail(store_domain->field, "is the embedded store's, and an S3 endpoint (" +
                                           config.s3.endpoint_url + ") is configured instead");
    }
    config.store_domain = std::move(*domain);
    // Virtual-hosted URLs unless path style was asked for (--path-style, s3.path_style).
    config.s3.endpoint.path_style = s3.path_style.value_or(false);
  }
  config.https.hsts_max_age = std::chrono::seconds(file.server.tls.hsts_max_age.value_or(0));
  auto clients = client_limits(file.server.clients, "server");
  if (!clients) return Unexpected(std::move(clients).error());
  config.clients = *clients;
  config.store_abort_incomplete_days =
      file.store.abort_incomplete_days.value_or(kDefaultStoreAbortIncompleteDays);
  auto store_clients = client_limits(file.store.clients, "store");
  if (!store_clients) return Unexpected(std::move(store_clients).error());
  config.store_clients = *store_clients;
  if (http_redirect && !http_redirect->value.empty()) {
    auto address = parse_listen_address(http_redirect->value);
    if (!address) {
      return fail(http_redirect->field,
                  "'" + http_redirect->value + "' is not HOST:PORT (e.g. 0.0.0.0:80, [::]:80)");
    }
    if (!config.tls) {
      return fail(http_redirect->field,
                  "redirects to HTTPS, so the API must serve HTTPS: give --tls-cert and "
                  "--tls-key (or [server.tls] cert and key)");
    }
    config.http_redirect = std::move(*address);
  }

  if (origins) {
    config.cors.allowed_origins = origins->value;
  } else {
    // The demo page's own origin, under both names a browser may use for loopback.
    const std::string port = std::to_string(config.listen_port);
    const std::string scheme = config.tls ? "https://" : "http://";
    config.cors.allowed_origins = {scheme + "127.0.0.1:" + port, scheme + "localhost:" + port};
  }
  config.cors.allow_credentials = file.cors.allow_credentials.value_or(false);
  if (file.cors.max_age) config.cors.max_age = *file.cors.max_age;
  if (auto ok = check_cors(config.cors, origins ? origins->field : "cors.allowed_origins"); !ok) {
    return Unexpected(std::move(ok).error());
  }

  if (level) config.log.level = level->value;
  if (!valid_log_level(config.log.level)) {
    return fail(level ? level->field : "log.level",
                "must be one of trace, debug, info, warn, error, off");
  }
  if (!access_log) return Unexpected(access_log.error());
  if (*access_log) config.log.access_log = (*access_log)->value;
  config.log.audit = file.log.audit.value_or(true);

  if (trusted_proxies) {
    auto parsed = TrustedProxies::parse(trusted_proxies->value);
    if (!parsed) return fail(trusted_proxies->field, parsed.error());
    config.trusted_proxies = std::move(*parsed);
  }
  if (auto ok = read_limits(file.limits, redis_url, config.limits); !ok) {
    return Unexpected(std::move(ok).error());
  }
  if (file.uppy.profile) {
    if (!config.profiles.resolve(*file.uppy.profile, "uppy.profile")) {
      return fail("uppy.profile", "names no profile (nor a folder of the \"*\" profile)");
    }
    config.uppy.profile = *file.uppy.profile;
  }
  if (file.uppy.session_seconds) {
    config.uppy.session_lifetime = std::chrono::seconds(*file.uppy.session_seconds);
  }
  return config;
}

Expected<ApiConfig, ConfigError> load_api_config(const config::Environment& env,
                                                 const ApiFlags& flags) {
  std::optional<std::string> path = flags.config_path;
  std::string field = "--config";
  if (!path) {
    if (auto v = env.get("UPGATE_CONFIG")) path = v, field = "UPGATE_CONFIG";
  }
  if (!path) return parse_api_config(env, flags, std::nullopt);
  auto text = config::read_bounded_file(*path, kMaxConfigFileBytes, field);
  if (!text) return Unexpected(text.error());
  if (!*text) return fail(field, *path + " does not exist");
  auto config = parse_api_config(env, flags, std::string_view(**text), *path);
  if (config) config->config_path = *path;
  return config;
}

}  // namespace upgate::api

namespace upgate::api {

std::string UppyConfig::default_profile(const ProfileSet& profiles) const {
  if (!profile.empty()) return profile;
  if (profiles.profiles().size() == 1) return profiles.profiles().front().name;
  return {};
}

}  // namespace upgate::api
