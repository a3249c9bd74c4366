// ProfileSet: finding the profile (and folder) for a request.
//
// resolve() maps the name a client sent (`folderName` or `profile`) to a profile: a
// profile of exactly that name first; else, when one profile has `folder = "*"`, the name
// is taken as a folder of that profile after check_folder_name(), unless it equals or
// lies under a named profile's folder (403 folder_reserved: that folder's rules are its
// profile's, and the `*` profile's looser ones must never reach it); else
// unknown_profile.
//
// for_key() finds the profile a download key belongs to: the longest named folder that
// prefixes the key (followed by '/'); else the any-folder profile when its key template
// matches the key for some folder and principal (the folder is the one it matched);
// else 404 not_found, as for a key no profile minted.
//
// keeps_to_own_folder() is the same rule for a key just rendered: a template can put a
// literal after {folder} ("{folder}/private/{id}") that lands in another profile's folder,
// and such a key must not be signed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/api_error.hpp"
#include "upgate/api/upload_profile.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

struct ResolvedProfile {
  const UploadProfile* profile = nullptr;
  std::string folder;
};

class ProfileSet {
 public:
  ProfileSet() = default;
  // Checks names and folders are unique and at most one profile is any_folder.
  static Expected<ProfileSet, std::string> create(std::vector<UploadProfile> profiles);

  Expected<ResolvedProfile, ApiError> resolve(std::string_view requested,
                                              std::string_view field) const;
  Expected<ResolvedProfile, ApiError> for_key(std::string_view key) const;
  bool keeps_to_own_folder(const UploadProfile& profile, std::string_view key) const;

  const std::vector<UploadProfile>& profiles() const { return profiles_; }
  // Position of a profile in profiles(), for per-profile metrics.
  std::size_t index_of(const UploadProfile& profile) const {
    return static_cast<std::size_t>(&profile - profiles_.data());
  }

 private:
  // The named profile whose folder is the longest prefix of `key`, or null.
  const UploadProfile* named_owner(std::string_view key) const;
  // The folder a `*` profile may not take: a named profile's or one under it; or null.
  const UploadProfile* reserving(std::string_view folder) const;

  std::vector<UploadProfile> profiles_;
};

}  // namespace upgate::api
