// Profile rules and the seed-like default profile.
#include "upgate/api/upload_profile.hpp"

#include <algorithm>

#include "upgate/api/active_content.hpp"
#include "upgate/enum_names.hpp"

namespace upgate::api {

bool UploadProfile::allows_type(const MediaType& type) const {
  // No list is "any type" as `*/*` means it: never active content (active_content.hpp).
  if (allowed_types.empty()) return !is_active_media_type(type);
  return std::any_of(allowed_types.begin(), allowed_types.end(),
                     [&](const MediaTypePattern& p) { return p.matches(type); });
}

bool UploadProfile::allows_extension(std::string_view lower_case_extension) const {
  if (allowed_extensions.empty()) return true;
  return std::find(allowed_extensions.begin(), allowed_extensions.end(), lower_case_extension) !=
         allowed_extensions.end();
}

constexpr EnumName<DownloadsMode> kDownloadsModeNames[] = {
    {DownloadsMode::off, "off"},
    {DownloadsMode::owner, "owner"},
    {DownloadsMode::authenticated, "authenticated"},
    {DownloadsMode::public_, "public"},
};

std::string_view to_string(DownloadsMode mode) noexcept {
  return name_of(kDownloadsModeNames, mode, "off");
}

std::optional<DownloadsMode> parse_downloads_mode(std::string_view text) noexcept {
  return value_named(kDownloadsModeNames, text);
}

bool UploadProfile::serves_download(std::string_view key, const auth::Principal* principal) const {
  const std::optional<std::string_view> in_folder =
      any_folder ? std::nullopt : std::optional<std::string_view>(folder);
  switch (downloads) {
    case DownloadsMode::off:
      return false;
    case DownloadsMode::owner:
      return key_template.match(key, in_folder, KeyOwner::of(principal)).has_value();
    case DownloadsMode::authenticated:
      return principal != nullptr && !principal->id.empty() &&
             key_template.match(key, in_folder, KeyOwner::anyone()).has_value();
    case DownloadsMode::public_:
      return key_template.match(key, in_folder, KeyOwner::anyone()).has_value();
  }
  return false;
}

UploadProfile default_profile() {
  UploadProfile profile;
  profile.name = "default";
  profile.any_folder = true;
  return profile;
}

Expected<void, config::ConfigError> check_ownership(const UploadProfile& profile,
                                                    bool with_principals) {
  const std::string at = "profiles." + profile.name + ".";
  const bool names_principal = profile.key_template.names_principal();
  if (names_principal && profile.shared) {
    return Unexpected(config::ConfigError{
        at + "shared",
        "contradicts key_template, which names the principal: each caller has its own keys"});
  }
  if (names_principal && !with_principals) {
    return Unexpected(config::ConfigError{
        at + "key_template",
        "names the principal ({principal} or {claim.NAME}), but no authentication applies to "
        "this profile, so every caller is anonymous: configure [auth], or take the principal "
        "fields out"});
  }
  if (with_principals && !names_principal && !profile.shared) {
    return Unexpected(config::ConfigError{
        at + "key_template",
        "names no principal, so every caller would share this profile's keys (and, with "
        "downloads = \"owner\", each other's files): put {principal} in key_template, e.g. "
        "\"{folder}/{principal}/{yyyy}/{mm}/{id}-{name}\", or set shared = true"});
  }
  if (profile.downloads == DownloadsMode::authenticated && !with_principals) {
    return Unexpected(config::ConfigError{
        at + "downloads",
        "\"authenticated\" needs authentication, and none applies to this profile"});
  }
  return {};
}

}  // namespace upgate::api
