// Upload profiles: what the seed's `folderName` stands for — a named place uploads may
// go, with its rules.
//
// A profile has a folder (or `any_folder`: the client's folder name is the folder, the
// seed's behaviour), a size limit, allowed media types and extensions, the lifetime of
// the URLs it issues, a key template, overwrite protection (sign `If-None-Match: *`) and
// the Content-Disposition of downloads. default_profile() is the permissive one used
// when no config file names any: any safe folder name, any type, 5 MiB, 300 s.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "upgate/api/auth_config.hpp"
#include "upgate/api/key_template.hpp"
#include "upgate/api/limits_config.hpp"
#include "upgate/api/media_type.hpp"

namespace upgate::api {

inline constexpr std::uint64_t kDefaultMaxSize = 5ULL * 1024 * 1024;
inline constexpr std::uint64_t kMaxObjectSize = 5ULL * 1024 * 1024 * 1024 * 1024;  // 5 TiB
inline constexpr std::chrono::seconds kDefaultUrlLifetime{300};
inline constexpr std::chrono::seconds kMaxUrlLifetime{604800};

enum class Disposition : std::uint8_t { attachment, inline_ };

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
  bool downloads = true;  // GET /v1/downloads may sign GETs for keys in this folder
  // Who may use the profile (auth_config.hpp); unset: "required" when [auth] configures a
  // mode, else open.
  std::optional<ProfileAuth> auth;
  ProfileLimits limits;  // per caller (limits_config.hpp); none by default

  bool allows_type(const MediaType& type) const;
  bool allows_extension(std::string_view lower_case_extension) const;
};

// The profile used when the configuration names none: like the seed.
UploadProfile default_profile();

}  // namespace upgate::api
