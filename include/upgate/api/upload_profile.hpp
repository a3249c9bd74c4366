// Upload profiles: what the seed's `folderName` stands for — a named place uploads may
// go, with its rules.
//
// A profile has a folder (or `any_folder`: the client's folder name is the folder, the
// seed's behaviour), a size limit, allowed media types and extensions, the lifetime of
// the URLs it issues, a key template, overwrite protection (sign `If-None-Match: *`),
// who may download its objects and the Content-Disposition of downloads.
// default_profile() is the permissive one used when no config file names any: any safe
// folder name, any type, 5 MiB, 300 s.
//
// Downloads (`downloads` in upgate.toml) are signed only for keys the profile's template
// could have produced (key_template.hpp), so a key upgate did not mint is never signed:
//   "owner" (default)  the key's principal fields are the caller's own; with a template
//                      that has none (a shared profile), any caller the profile admits
//   "authenticated"    any key of the template, for any caller with a principal
//   "public"           any key of the template, for anyone
//   "off"              none (GET /v1/downloads answers 403 downloads_disabled)
// The booleans of earlier versions still read: true is "owner", false is "off".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/auth_config.hpp"
#include "upgate/api/key_template.hpp"
#include "upgate/api/limits_config.hpp"
#include "upgate/api/media_type.hpp"
#include "upgate/auth/principal.hpp"
#include "upgate/config/config_error.hpp"
#include "upgate/events/content_rules.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

inline constexpr std::uint64_t kDefaultMaxSize = 5ULL * 1024 * 1024;
inline constexpr std::uint64_t kMaxObjectSize = 5ULL * 1024 * 1024 * 1024 * 1024;  // 5 TiB
inline constexpr std::chrono::seconds kDefaultUrlLifetime{300};
inline constexpr std::chrono::seconds kMaxUrlLifetime{604800};

enum class Disposition : std::uint8_t { attachment, inline_ };

enum class DownloadsMode : std::uint8_t { off, owner, authenticated, public_ };
std::string_view to_string(DownloadsMode mode) noexcept;  // "off", "owner", ...
std::optional<DownloadsMode> parse_downloads_mode(std::string_view text) noexcept;

// What POST /v1/uploads/complete does with an object that fails verification.
enum class OnMismatch : std::uint8_t { quarantine, remove };
inline constexpr std::string_view kDefaultQuarantinePrefix = "quarantine";

struct UploadProfile {
  std::string name;
  std::string folder;       // empty when any_folder
  bool any_folder = false;  // `folder = "*"`: the requested name is the folder
  std::uint64_t max_size = kDefaultMaxSize;
  std::vector<MediaTypePattern> allowed_types;  // empty: any well-formed type
  std::vector<std::string> allowed_extensions;  // lower-case, no dot; empty: any
  std::chrono::seconds url_lifetime = kDefaultUrlLifetime;
  KeyTemplate key_template = KeyTemplate::default_template();
  bool overwrite_protection = true;  // sign If-None-Match: * (on /v1/uploads)
  Disposition disposition = Disposition::attachment;
  DownloadsMode downloads = DownloadsMode::owner;
  // `shared = true`: the operator's explicit word that every caller shares this profile's
  // keys (its template names no principal). The configuration checks it (api_config.hpp).
  bool shared = false;
  // Who may use the profile (auth_config.hpp); unset: "required" when [auth] configures a
  // mode, else open.
  std::optional<ProfileAuth> auth;
  ProfileLimits limits;  // per caller (limits_config.hpp); none by default
  // Completion (POST /v1/uploads/complete): how the object's first bytes are judged
  // (content_rules.hpp), and where a refused object goes: moved under `quarantine` (a
  // folder name; the key keeps its own path below it) or deleted.
  events::VerifyContent verify_content = events::VerifyContent::kDeclared;
  std::string quarantine{kDefaultQuarantinePrefix};
  OnMismatch on_mismatch = OnMismatch::quarantine;

  bool allows_type(const MediaType& type) const;
  bool allows_extension(std::string_view lower_case_extension) const;
  // Whether GET /v1/downloads may sign `key` for `principal` (null: anonymous), the key
  // being in this profile's folder (or, for an any-folder profile, in no other profile's;
  // profile_set.hpp). A pure function of (principal, profile, key): no I/O, no state.
  bool serves_download(std::string_view key, const auth::Principal* principal) const;
};

// The profile used when the configuration names none: like the seed.
UploadProfile default_profile();

// The ownership rules of a configuration, for a profile whose callers may have principals
// (`with_principals`: an [auth] mode applies to it) or are all anonymous:
//   - a template that names the principal needs principals to name;
//   - with principals, a template that names none makes every caller share the profile's
//     keys (and, with downloads = "owner", download each other's files): the operator
//     says so with `shared = true`, or puts {principal} in the template;
//   - `shared = true` contradicts a template that names the principal;
//   - downloads = "authenticated" needs principals.
// Without principals (the open loopback API), profiles are shared by their nature.
// The error names the profile's key (profiles.NAME.KEY) and how to fix it.
Expected<void, config::ConfigError> check_ownership(const UploadProfile& profile,
                                                    bool with_principals);

}  // namespace upgate::api
