// [profiles.NAME]: the upload profiles, which only the file defines. Each key is read
// and checked in turn, so an error names the profile's dotted key.
#include <algorithm>
#include <array>
#include <optional>

#include "upgate/api/folder_name.hpp"
#include "upgate/config/units.hpp"
#include "upgate/enum_names.hpp"
#include "upgate/text.hpp"
#include "upgate_toml.hpp"

namespace upgate::api {
namespace {

using config::fail;

// The words of the keys whose value is one of a few names, as the file spells them.
constexpr EnumName<Disposition> kDispositionNames[] = {
    {Disposition::attachment, "attachment"},
    {Disposition::inline_, "inline"},
};
static_assert(each_value_once(kDispositionNames));
constexpr EnumName<OnMismatch> kOnMismatchNames[] = {
    {OnMismatch::quarantine, "quarantine"},
    {OnMismatch::remove, "delete"},
};
static_assert(each_value_once(kOnMismatchNames));

// Reads `key`, a string that must be one of the names in `names`, into `slot`; an absent
// key leaves `slot` alone. `expected` says what may stand there.
template <class E, std::size_t N>
Expected<void, ConfigError> read_choice(const TomlTable& t, std::string_view key,
                                        const EnumName<E> (&names)[N], std::string_view expected,
                                        E& slot) {
  auto word = t.string(key);
  if (!word) return Unexpected(std::move(word).error());
  if (!*word) return {};
  const std::optional<E> value = value_named(names, **word);
  if (!value) return fail(t.field(key), "must be " + std::string(expected));
  slot = *value;
  return {};
}

bool valid_profile_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return text::is_alnum(c) || c == '_' || c == '-' || c == '.';
  });
}

Expected<void, ConfigError> read_folder(const TomlTable& t, UploadProfile& p) {
  auto folder = t.string("folder");
  if (!folder) return Unexpected(std::move(folder).error());
  if (!*folder) return fail(t.field("folder"), "is required (a folder name, or \"*\" for any)");
  if (**folder == "*") {
    p.any_folder = true;
    return {};
  }
  if (auto ok = check_folder_name(**folder, "folder"); !ok) {
    return fail(t.field("folder"), ok.error().message);
  }
  p.folder = **folder;
  return {};
}

Expected<void, ConfigError> read_max_size(const TomlTable& t, UploadProfile& p) {
  auto max_size = t.quantity<std::uint64_t>("max_size", config::parse_byte_size,
                                            "a size such as 5242880, \"5 MiB\" or \"1 GB\"");
  if (!max_size) return Unexpected(std::move(max_size).error());
  if (*max_size) p.max_size = **max_size;
  if (p.max_size == 0 || p.max_size > kMaxObjectSize) {
    return fail(t.field("max_size"), "must be between 1 byte and 5 TiB");
  }
  return {};
}

Expected<void, ConfigError> read_allowed_types(const TomlTable& t, UploadProfile& p) {
  auto types = t.strings("allowed_types");
  if (!types) return Unexpected(std::move(types).error());
  for (const std::string& text : types->value_or(std::vector<std::string>{})) {
    auto pattern = MediaTypePattern::parse(text);
    if (!pattern) {
      return fail(t.field("allowed_types"),
                  "'" + text + "' is not a media type pattern (type/subtype, type/* or */*)");
    }
    p.allowed_types.push_back(std::move(*pattern));
  }
  return {};
}

Expected<void, ConfigError> read_allowed_extensions(const TomlTable& t, UploadProfile& p) {
  auto extensions = t.strings("allowed_extensions");
  if (!extensions) return Unexpected(std::move(extensions).error());
  for (std::string_view ext : extensions->value_or(std::vector<std::string>{})) {
    if (!ext.empty() && ext.front() == '.') ext.remove_prefix(1);
    const bool ok = !ext.empty() && ext.size() <= 16 &&
                    std::all_of(ext.begin(), ext.end(), [](char c) { return text::is_alnum(c); });
    if (!ok) {
      return fail(t.field("allowed_extensions"),
                  "'" + std::string(ext) + "' is not an extension (1-16 letters or digits)");
    }
    p.allowed_extensions.push_back(text::lower(ext));
  }
  return {};
}

Expected<void, ConfigError> read_url_lifetime(const TomlTable& t, UploadProfile& p) {
  auto lifetime = t.quantity<std::chrono::seconds>("url_lifetime", config::parse_duration,
                                                   "a duration such as 300, \"5m\" or \"1h\"");
  if (!lifetime) return Unexpected(std::move(lifetime).error());
  if (*lifetime) p.url_lifetime = **lifetime;
  if (p.url_lifetime.count() < 1 || p.url_lifetime > kMaxUrlLifetime) {
    return fail(t.field("url_lifetime"), "must be between 1 second and 604800 seconds (7 days)");
  }
  return {};
}

Expected<void, ConfigError> read_key_template(const TomlTable& t, UploadProfile& p) {
  auto key_template = t.string("key_template");
  if (!key_template) return Unexpected(std::move(key_template).error());
  if (!*key_template) return {};
  auto compiled = KeyTemplate::compile(**key_template);
  if (!compiled) return fail(t.field("key_template"), compiled.error());
  p.key_template = std::move(*compiled);
  return {};
}

Expected<void, ConfigError> read_disposition(const TomlTable& t, UploadProfile& p) {
  return read_choice(t, "content_disposition", kDispositionNames, "\"attachment\" or \"inline\"",
                     p.disposition);
}

Expected<void, ConfigError> read_bool(const TomlTable& t, std::string_view key, bool& slot) {
  auto value = t.boolean(key);
  if (!value) return Unexpected(std::move(value).error());
  if (*value) slot = **value;
  return {};
}

Expected<void, ConfigError> read_auth_rule(const TomlTable& t, UploadProfile& p) {
  auto rule = t.string("auth");
  if (!rule) return Unexpected(std::move(rule).error());
  if (!*rule) return {};
  p.auth = parse_profile_auth(**rule);
  if (!p.auth) return fail(t.field("auth"), "must be \"required\", \"optional\" or \"none\"");
  return {};
}

// `rate` with its `burst`, `quota` and `max_open_uploads`: the profile's own limits.
Expected<void, ConfigError> read_limits(const TomlTable& t, UploadProfile& p) {
  auto rate = t.string("rate");
  if (!rate) return Unexpected(std::move(rate).error());
  auto burst = t.integer_in("burst", 1, static_cast<std::int64_t>(limits::kMaxBurst),
                            "must be an integer from 1 to 1000000000");
  if (!burst) return Unexpected(std::move(burst).error());
  if (*rate) {
    auto spec = limits::parse_rate(**rate, *burst);
    if (!spec) return fail(t.field("rate"), spec.error());
    p.limits.rate = *spec;
  } else if (*burst) {
    return fail(t.field("burst"), "needs a rate beside it (rate = \"60/min\")");
  }
  auto quota = t.string("quota");
  if (!quota) return Unexpected(std::move(quota).error());
  if (*quota) {
    auto spec = limits::parse_quota(**quota);
    if (!spec) return fail(t.field("quota"), spec.error());
    p.limits.quota = *spec;
  }
  auto open = t.integer_in("max_open_uploads", 1, limits::kMaxOpenUploads,
                           "must be an integer from 1 to 100000");
  if (!open) return Unexpected(std::move(open).error());
  if (*open) {
    auto spec = limits::parse_max_open_uploads(**open);
    if (!spec) return fail(t.field("max_open_uploads"), spec.error());
    p.limits.max_open_uploads = *spec;
  }
  return {};
}

// `downloads`: one of the modes, or the boolean of earlier versions (true: "owner",
// false: "off").
Expected<void, ConfigError> read_downloads(const TomlTable& t, UploadProfile& p) {
  constexpr std::string_view kExpected =
      "must be \"owner\", \"authenticated\", \"public\" or \"off\" (or true, meaning "
      "\"owner\", or false, meaning \"off\")";
  if (auto text = t.string("downloads"); text) {
    if (!*text) return {};
    const auto mode = parse_downloads_mode(**text);
    if (!mode) return fail(t.field("downloads"), std::string(kExpected));
    p.downloads = *mode;
    return {};
  }
  auto flag = t.boolean("downloads");
  if (!flag) return fail(t.field("downloads"), std::string(kExpected));
  p.downloads = **flag ? DownloadsMode::owner : DownloadsMode::off;
  return {};
}

// `verify_content`, `quarantine` and `on_mismatch`: what completion checks and does.
Expected<void, ConfigError> read_verification(const TomlTable& t, UploadProfile& p) {
  auto mode = t.string("verify_content");
  if (!mode) return Unexpected(std::move(mode).error());
  if (*mode) {
    auto parsed = events::parse_verify_content(**mode);
    if (!parsed) {
      return fail(t.field("verify_content"), "must be \"off\", \"declared\" or \"strict\"");
    }
    p.verify_content = *parsed;
  }
  auto quarantine = t.string("quarantine");
  if (!quarantine) return Unexpected(std::move(quarantine).error());
  if (*quarantine) {
    if (auto ok = check_folder_name(**quarantine, "quarantine"); !ok) {
      return fail(t.field("quarantine"), ok.error().message);
    }
    p.quarantine = **quarantine;
  }
  return read_choice(t, "on_mismatch", kOnMismatchNames, "\"quarantine\" or \"delete\"",
                     p.on_mismatch);
}

// One reader per key (read_limits reads the four limit keys), in the order of kProfileKeys, so a
// profile with several mistakes is refused for the first of them.
using ProfileKeyReader = Expected<void, ConfigError> (*)(const TomlTable&, UploadProfile&);
constexpr std::array<std::string_view, 18> kProfileKeys = {"folder",
                                                           "max_size",
                                                           "allowed_types",
                                                           "allowed_extensions",
                                                           "url_lifetime",
                                                           "key_template",
                                                           "overwrite_protection",
                                                           "content_disposition",
                                                           "downloads",
                                                           "shared",
                                                           "auth",
                                                           "rate",
                                                           "burst",
                                                           "quota",
                                                           "max_open_uploads",
                                                           "verify_content",
                                                           "quarantine",
                                                           "on_mismatch"};
constexpr std::array<ProfileKeyReader, 13> kProfileKeyReaders = {
    read_folder,
    read_max_size,
    read_allowed_types,
    read_allowed_extensions,
    read_url_lifetime,
    read_key_template,
    [](const TomlTable& t, UploadProfile& p) {
      return read_bool(t, "overwrite_protection", p.overwrite_protection);
    },
    read_disposition,
    read_downloads,
    [](const TomlTable& t, UploadProfile& p) { return read_bool(t, "shared", p.shared); },
    read_auth_rule,
    read_limits,
    read_verification,
};

Expected<UploadProfile, ConfigError> read_profile(const std::string& name, const TomlTable& t) {
  if (!valid_profile_name(name)) {
    return fail(t.path(), "profile names may hold only letters, digits, '.', '_' and '-'");
  }
  if (auto ok = t.allow_only(kProfileKeys); !ok) return Unexpected(std::move(ok).error());
  UploadProfile p;
  p.name = name;
  for (ProfileKeyReader read : kProfileKeyReaders) {
    if (auto ok = read(t, p); !ok) return Unexpected(std::move(ok).error());
  }
  return p;
}

}  // namespace

Expected<void, ConfigError> read_profiles_table(const TomlTable& t, FileSettings& out) {
  for (const std::string& name : t.keys()) {
    auto table = t.table(name);
    if (!table) return Unexpected(std::move(table).error());
    auto profile = read_profile(name, **table);
    if (!profile) return Unexpected(std::move(profile).error());
    out.profiles.push_back(std::move(*profile));
  }
  if (out.profiles.empty()) return fail("profiles", "is empty: define at least one profile");
  return {};
}

}  // namespace upgate::api
