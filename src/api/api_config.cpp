// Loading and validating the API's configuration: flags, UPGATE_*, upgate.toml, AWS_*.
#include "upgate/api/api_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "upgate/api/folder_name.hpp"
#include "upgate/config/aws_shared_config.hpp"
#include "upgate/config/units.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

using config::ConfigError;

Unexpected<ConfigError> fail(std::string field, std::string message) {
  return Unexpected(ConfigError{std::move(field), std::move(message)});
}

std::string drain_seconds_range() {
  return "must be a whole number of seconds from 0 (stop at once) to " +
         std::to_string(kMaxDrainSeconds);
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// Refuses keys the schema does not know, naming the first one.
Expected<void, ConfigError> check_keys(const toml::table& table, std::string_view prefix,
                                       std::initializer_list<std::string_view> known) {
  for (const auto& [key, node] : table) {
    const std::string_view name = key.str();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return fail(std::string(prefix) + std::string(name), "unknown key (known: " + list + ")");
    }
  }
  return {};
}

Expected<std::optional<std::string>, ConfigError> get_string(const toml::table& t,
                                                             std::string_view key,
                                                             const std::string& field) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return std::optional<std::string>{};
  if (!node->is_string()) return fail(field, "must be a string, not " + type_name(*node));
  return std::optional<std::string>(node->as_string()->get());
}

Expected<std::optional<bool>, ConfigError> get_bool(const toml::table& t, std::string_view key,
                                                    const std::string& field) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return std::optional<bool>{};
  if (!node->is_boolean()) return fail(field, "must be true or false, not " + type_name(*node));
  return std::optional<bool>(node->as_boolean()->get());
}

Expected<std::vector<std::string>, ConfigError> get_string_array(const toml::table& t,
                                                                 std::string_view key,
                                                                 const std::string& field) {
  std::vector<std::string> out;
  const toml::node* node = t.get(key);
  if (node == nullptr) return out;
  if (!node->is_array()) return fail(field, "must be an array of strings");
  for (const toml::node& item : *node->as_array()) {
    if (!item.is_string()) return fail(field, "must be an array of strings");
    out.push_back(item.as_string()->get());
  }
  return out;
}

// An integer, or a string with a unit, parsed by `parse`.
template <class T, class Parse>
Expected<std::optional<T>, ConfigError> get_quantity(const toml::table& t, std::string_view key,
                                                     const std::string& field, Parse parse,
                                                     std::string_view expected) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return std::optional<T>{};
  if (node->is_integer()) {
    const std::int64_t n = node->as_integer()->get();
    if (n < 0) return fail(field, "must not be negative");
    auto parsed = parse(std::to_string(n));
    if (!parsed) return fail(field, "is out of range");
    return std::optional<T>(*parsed);
  }
  if (node->is_string()) {
    auto parsed = parse(node->as_string()->get());
    if (!parsed) return fail(field, "must be " + std::string(expected));
    return std::optional<T>(*parsed);
  }
  return fail(field, "must be " + std::string(expected) + ", not " + type_name(*node));
}

bool valid_profile_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return text::is_alnum(c) || c == '_' || c == '-' || c == '.';
  });
}

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

Expected<UploadProfile, ConfigError> read_profile(const std::string& name, const toml::table& t) {
  const std::string prefix = "profiles." + name + ".";
  if (!valid_profile_name(name)) {
    return fail("profiles." + name,
                "profile names may hold only letters, digits, '.', '_' and '-'");
  }
  if (auto ok =
          check_keys(t, prefix,
                     {"folder", "max_size", "allowed_types", "allowed_extensions", "url_lifetime",
                      "key_template", "overwrite_protection", "content_disposition", "downloads"});
      !ok) {
    return Unexpected(ok.error());
  }
  UploadProfile p;
  p.name = name;

  auto folder = get_string(t, "folder", prefix + "folder");
  if (!folder) return Unexpected(folder.error());
  if (!*folder) return fail(prefix + "folder", "is required (a folder name, or \"*\" for any)");
  if (**folder == "*") {
    p.any_folder = true;
  } else {
    if (auto ok = check_folder_name(**folder, "folder"); !ok) {
      return fail(prefix + "folder", ok.error().message);
    }
    p.folder = **folder;
  }

  auto max_size =
      get_quantity<std::uint64_t>(t, "max_size", prefix + "max_size", config::parse_byte_size,
                                  "a size such as 5242880, \"5 MiB\" or \"1 GB\"");
  if (!max_size) return Unexpected(max_size.error());
  if (*max_size) p.max_size = **max_size;
  if (p.max_size == 0 || p.max_size > kMaxObjectSize) {
    return fail(prefix + "max_size", "must be between 1 byte and 5 TiB");
  }

  auto types = get_string_array(t, "allowed_types", prefix + "allowed_types");
  if (!types) return Unexpected(types.error());
  for (const std::string& text : *types) {
    auto pattern = MediaTypePattern::parse(text);
    if (!pattern) {
      return fail(prefix + "allowed_types",
                  "'" + text + "' is not a media type pattern (type/subtype, type/* or */*)");
    }
    p.allowed_types.push_back(std::move(*pattern));
  }

  auto extensions = get_string_array(t, "allowed_extensions", prefix + "allowed_extensions");
  if (!extensions) return Unexpected(extensions.error());
  for (std::string ext : *extensions) {
    if (!ext.empty() && ext.front() == '.') ext.erase(0, 1);
    const bool ok = !ext.empty() && ext.size() <= 16 &&
                    std::all_of(ext.begin(), ext.end(), [](char c) { return text::is_alnum(c); });
    if (!ok)
      return fail(prefix + "allowed_extensions",
                  "'" + ext + "' is not an extension (1-16 letters or digits)");
    p.allowed_extensions.push_back(text::lower(ext));
  }

  auto lifetime = get_quantity<std::chrono::seconds>(t, "url_lifetime", prefix + "url_lifetime",
                                                     config::parse_duration,
                                                     "a duration such as 300, \"5m\" or \"1h\"");
  if (!lifetime) return Unexpected(lifetime.error());
  if (*lifetime) p.url_lifetime = **lifetime;
  if (p.url_lifetime.count() < 1 || p.url_lifetime > kMaxUrlLifetime) {
    return fail(prefix + "url_lifetime", "must be between 1 second and 604800 seconds (7 days)");
  }

  auto key_template = get_string(t, "key_template", prefix + "key_template");
  if (!key_template) return Unexpected(key_template.error());
  if (*key_template) {
    auto compiled = KeyTemplate::compile(**key_template);
    if (!compiled) return fail(prefix + "key_template", compiled.error());
    p.key_template = std::move(*compiled);
  }

  auto overwrite = get_bool(t, "overwrite_protection", prefix + "overwrite_protection");
  if (!overwrite) return Unexpected(overwrite.error());
  if (*overwrite) p.overwrite_protection = **overwrite;

  auto disposition = get_string(t, "content_disposition", prefix + "content_disposition");
  if (!disposition) return Unexpected(disposition.error());
  if (*disposition) {
    if (**disposition == "attachment") {
      p.disposition = Disposition::attachment;
    } else if (**disposition == "inline") {
      p.disposition = Disposition::inline_;
    } else {
      return fail(prefix + "content_disposition", "must be \"attachment\" or \"inline\"");
    }
  }

  auto downloads = get_bool(t, "downloads", prefix + "downloads");
  if (!downloads) return Unexpected(downloads.error());
  if (*downloads) p.downloads = **downloads;
  return p;
}

// Settings read from upgate.toml before the higher-precedence sources are applied.
struct FileSettings {
  std::optional<std::string> listen;
  std::optional<unsigned> threads;
  std::optional<unsigned> drain_seconds;
  std::optional<bool> demo_page;
  config::S3Settings s3;
  std::optional<std::vector<std::string>> cors_origins;
  std::optional<bool> allow_credentials;
  std::optional<std::chrono::seconds> cors_max_age;
  std::optional<std::string> log_level;
  std::optional<bool> access_log;
  std::vector<UploadProfile> profiles;
};

Expected<FileSettings, ConfigError> read_file_settings(std::string_view text,
                                                       std::string_view source) {
  FileSettings out;
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return fail(std::string(source) + " line " + std::to_string(e.source().begin.line),
                std::string(e.description()));
  }
  if (auto ok = check_keys(root, "", {"server", "s3", "cors", "log", "profiles"}); !ok) {
    return Unexpected(ok.error());
  }
  auto section = [&](std::string_view name) -> Expected<const toml::table*, ConfigError> {
    const toml::node* node = root.get(name);
    if (node == nullptr) return static_cast<const toml::table*>(nullptr);
    if (!node->is_table())
      return fail(std::string(name), "must be a table ([" + std::string(name) + "])");
    return node->as_table();
  };

  auto server = section("server");
  if (!server) return Unexpected(server.error());
  if (const toml::table* t = *server) {
    if (auto ok = check_keys(*t, "server.", {"listen", "threads", "drain_seconds", "demo_page"});
        !ok) {
      return Unexpected(ok.error());
    }
    auto listen = get_string(*t, "listen", "server.listen");
    if (!listen) return Unexpected(listen.error());
    out.listen = *listen;
    if (const toml::node* n = t->get("threads")) {
      if (!n->is_integer() || n->as_integer()->get() < 0 || n->as_integer()->get() > 256) {
        return fail("server.threads", "must be an integer from 0 (one per core) to 256");
      }
      out.threads = static_cast<unsigned>(n->as_integer()->get());
    }
    if (const toml::node* n = t->get("drain_seconds")) {
      if (!n->is_integer() || n->as_integer()->get() < 0 ||
          n->as_integer()->get() > kMaxDrainSeconds) {
        return fail("server.drain_seconds", drain_seconds_range());
      }
      out.drain_seconds = static_cast<unsigned>(n->as_integer()->get());
    }
    auto demo = get_bool(*t, "demo_page", "server.demo_page");
    if (!demo) return Unexpected(demo.error());
    out.demo_page = *demo;
  }

  auto s3 = section("s3");
  if (!s3) return Unexpected(s3.error());
  if (const toml::table* t = *s3) {
    if (auto ok =
            check_keys(*t, "s3.", {"endpoint", "region", "bucket", "path_style", "aws_profile"});
        !ok) {
      return Unexpected(ok.error());
    }
    auto endpoint = get_string(*t, "endpoint", "s3.endpoint");
    if (!endpoint) return Unexpected(endpoint.error());
    if (*endpoint && !(*endpoint)->empty()) out.s3.endpoint = *endpoint;
    auto region = get_string(*t, "region", "s3.region");
    if (!region) return Unexpected(region.error());
    if (*region && !(*region)->empty()) out.s3.region = *region;
    auto bucket = get_string(*t, "bucket", "s3.bucket");
    if (!bucket) return Unexpected(bucket.error());
    if (*bucket && !(*bucket)->empty()) out.s3.bucket = *bucket;
    auto path_style = get_bool(*t, "path_style", "s3.path_style");
    if (!path_style) return Unexpected(path_style.error());
    out.s3.path_style = *path_style;
    auto profile = get_string(*t, "aws_profile", "s3.aws_profile");
    if (!profile) return Unexpected(profile.error());
    if (*profile && !(*profile)->empty()) out.s3.aws_profile = *profile;
  }

  auto cors = section("cors");
  if (!cors) return Unexpected(cors.error());
  if (const toml::table* t = *cors) {
    if (auto ok = check_keys(*t, "cors.", {"allowed_origins", "allow_credentials", "max_age"});
        !ok) {
      return Unexpected(ok.error());
    }
    if (t->get("allowed_origins") != nullptr) {
      auto origins = get_string_array(*t, "allowed_origins", "cors.allowed_origins");
      if (!origins) return Unexpected(origins.error());
      out.cors_origins = std::move(*origins);
    }
    auto credentials = get_bool(*t, "allow_credentials", "cors.allow_credentials");
    if (!credentials) return Unexpected(credentials.error());
    out.allow_credentials = *credentials;
    auto max_age = get_quantity<std::chrono::seconds>(
        *t, "max_age", "cors.max_age", config::parse_duration, "a duration such as 600 or \"10m\"");
    if (!max_age) return Unexpected(max_age.error());
    out.cors_max_age = *max_age;
  }

  auto log = section("log");
  if (!log) return Unexpected(log.error());
  if (const toml::table* t = *log) {
    if (auto ok = check_keys(*t, "log.", {"level", "access_log"}); !ok)
      return Unexpected(ok.error());
    auto level = get_string(*t, "level", "log.level");
    if (!level) return Unexpected(level.error());
    out.log_level = *level;
    auto access = get_bool(*t, "access_log", "log.access_log");
    if (!access) return Unexpected(access.error());
    out.access_log = *access;
  }

  auto profiles = section("profiles");
  if (!profiles) return Unexpected(profiles.error());
  if (const toml::table* t = *profiles) {
    for (const auto& [key, node] : *t) {
      const std::string name(key.str());
      if (!node.is_table())
        return fail("profiles." + name, "must be a table ([profiles." + name + "])");
      auto profile = read_profile(name, *node.as_table());
      if (!profile) return Unexpected(profile.error());
      out.profiles.push_back(std::move(*profile));
    }
    if (out.profiles.empty()) return fail("profiles", "is empty: define at least one profile");
  }
  return out;
}

bool valid_log_level(std::string_view level) {
  for (std::string_view known : {"trace", "debug", "info", "warn", "error", "off"}) {
    if (level == known) return true;
  }
  return false;
}

std::optional<bool> parse_bool(std::string_view text) {
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
    auto parsed = read_file_settings(*toml_text, source);
    if (!parsed) return Unexpected(parsed.error());
    file = std::move(*parsed);
  }
  ApiConfig config;

  // Listen address.
  {
    std::optional<std::string> listen;
    std::string field;
    if (flags.listen) {
      listen = flags.listen, field = "--listen";
    } else if (auto v = env.get("UPGATE_LISTEN")) {
      listen = v, field = "UPGATE_LISTEN";
    } else if (file.listen) {
      listen = file.listen, field = "server.listen";
    }
    if (listen) {
      auto address = parse_listen_address(*listen);
      if (!address) {
        return fail(field, "'" + *listen + "' is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080)");
      }
      config.listen_host = address->host;
      config.listen_port = address->port;
    }
  }

  // Threads.
  if (flags.threads) {
    config.threads = *flags.threads;
  } else if (auto v = env.get("UPGATE_THREADS")) {
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size() || n > 256) {
      return fail("UPGATE_THREADS", "must be an integer from 0 (one per core) to 256");
    }
    config.threads = n;
  } else if (file.threads) {
    config.threads = *file.threads;
  }
  if (config.threads > 256) return fail("--threads", "must be at most 256");

  // Drain period.
  {
    unsigned seconds = file.drain_seconds.value_or(0);
    if (flags.drain_seconds) {
      if (*flags.drain_seconds > kMaxDrainSeconds) {
        return fail("--drain-seconds", drain_seconds_range());
      }
      seconds = *flags.drain_seconds;
    } else if (auto v = env.get("UPGATE_DRAIN_SECONDS")) {
      const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
      if (ec != std::errc() || end != v->data() + v->size() || seconds > kMaxDrainSeconds) {
        return fail("UPGATE_DRAIN_SECONDS", drain_seconds_range());
      }
    }
    config.drain_period = std::chrono::seconds(seconds);
  }

  config.demo_page = flags.demo_page.value_or(file.demo_page.value_or(true));

  // S3 target.
  config::S3Settings s3 = file.s3;
  config::override_setting(env, flags.endpoint, "--endpoint", "UPGATE_S3_ENDPOINT", s3.endpoint,
                           s3.endpoint_field);
  config::override_setting(env, flags.region, "--region", "UPGATE_S3_REGION", s3.region,
                           s3.region_field);
  config::override_setting(env, flags.bucket, "--bucket", "UPGATE_S3_BUCKET", s3.bucket,
                           s3.bucket_field);
  if (flags.path_style) s3.path_style = flags.path_style;
  if (flags.aws_profile) s3.aws_profile = flags.aws_profile;
  if (flags.resolve_s3_target) {
    auto target = config::resolve_s3_target(env, s3);
    if (!target) return Unexpected(target.error());
    config.s3 = std::move(*target);
  }

  // Profiles.
  std::vector<UploadProfile> profiles = std::move(file.profiles);
  if (profiles.empty()) profiles.push_back(default_profile());
  auto set = ProfileSet::create(std::move(profiles));
  if (!set) return fail("profiles", set.error());
  config.profiles = std::move(*set);

  // CORS.
  std::string cors_field = "cors.allowed_origins";
  if (!flags.cors_origins.empty()) {
    config.cors.allowed_origins = flags.cors_origins, cors_field = "--cors-origin";
  } else if (auto v = env.get("UPGATE_CORS_ORIGINS")) {
    config.cors.allowed_origins = split_commas(*v), cors_field = "UPGATE_CORS_ORIGINS";
  } else if (file.cors_origins) {
    config.cors.allowed_origins = *file.cors_origins;
  } else {
    // The demo page's own origin, under both names a browser may use for loopback.
    const std::string port = std::to_string(config.listen_port);
    config.cors.allowed_origins = {"http://127.0.0.1:" + port, "http://localhost:" + port};
  }
  config.cors.allow_credentials = file.allow_credentials.value_or(false);
  if (file.cors_max_age) config.cors.max_age = *file.cors_max_age;
  if (config.cors.max_age > std::chrono::hours(24)) {
    return fail("cors.max_age", "must be at most 86400 seconds");
  }
  for (const std::string& origin : config.cors.allowed_origins) {
    if (origin == "*") {
      if (config.cors.allowed_origins.size() != 1) {
        return fail(cors_field, "\"*\" must be the only origin when used");
      }
      if (config.cors.allow_credentials) {
        return fail(cors_field, "\"*\" cannot be combined with cors.allow_credentials = true");
      }
      continue;
    }
    if (!valid_origin(origin)) {
      return fail(cors_field, "'" + origin + "' is not an origin (scheme://host[:port], no path)");
    }
  }

  // Logging.
  std::string level_field = "log.level";
  if (flags.log_level) {
    config.log.level = *flags.log_level, level_field = "--log-level";
  } else if (auto v = env.get("UPGATE_LOG_LEVEL")) {
    config.log.level = *v, level_field = "UPGATE_LOG_LEVEL";
  } else if (file.log_level) {
    config.log.level = *file.log_level;
  }
  if (!valid_log_level(config.log.level)) {
    return fail(level_field, "must be one of trace, debug, info, warn, error, off");
  }
  if (flags.access_log) {
    config.log.access_log = *flags.access_log;
  } else if (auto v = env.get("UPGATE_ACCESS_LOG")) {
    auto parsed = parse_bool(*v);
    if (!parsed) return fail("UPGATE_ACCESS_LOG", "must be on or off");
    config.log.access_log = *parsed;
  } else if (file.access_log) {
    config.log.access_log = *file.access_log;
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
