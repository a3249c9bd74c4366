// Profile lookup by requested name, and by download key.
#include "upgate/api/profile_set.hpp"

#include <set>

#include "upgate/api/folder_name.hpp"

namespace upgate::api {

Expected<ProfileSet, std::string> ProfileSet::create(std::vector<UploadProfile> profiles) {
  std::set<std::string, std::less<>> names;
  std::set<std::string, std::less<>> folders;
  bool any_folder = false;
  for (const UploadProfile& p : profiles) {
    if (!names.insert(p.name).second)
      return Unexpected("profile '" + p.name + "' is defined twice");
    if (p.any_folder) {
      if (any_folder) return Unexpected(std::string("more than one profile has folder = \"*\""));
      any_folder = true;
    } else if (!folders.insert(p.folder).second) {
      return Unexpected("folder '" + p.folder + "' belongs to more than one profile");
    }
  }
  ProfileSet set;
  set.profiles_ = std::move(profiles);
  return set;
}

const UploadProfile* ProfileSet::named_owner(std::string_view key) const {
  const UploadProfile* best = nullptr;
  for (const UploadProfile& p : profiles_) {
    if (!p.any_folder && key.size() > p.folder.size() && key.starts_with(p.folder) &&
        key[p.folder.size()] == '/' && (best == nullptr || p.folder.size() > best->folder.size())) {
      best = &p;
    }
  }
  return best;
}

const UploadProfile* ProfileSet::reserving(std::string_view folder) const {
  for (const UploadProfile& p : profiles_) {
    if (!p.any_folder && folder.starts_with(p.folder) &&
        (folder.size() == p.folder.size() || folder[p.folder.size()] == '/')) {
      return &p;
    }
  }
  return nullptr;
}

Expected<ResolvedProfile, ApiError> ProfileSet::resolve(std::string_view requested,
                                                        std::string_view field) const {
  const UploadProfile* any = nullptr;
  for (const UploadProfile& p : profiles_) {
    if (p.name == requested) return ResolvedProfile{&p, p.any_folder ? p.name : p.folder};
    if (p.any_folder) any = &p;
  }
  if (any == nullptr) {
    return Unexpected(make_error(ErrorCode::unknown_profile,
                                 "no upload profile or folder of that name", std::string(field)));
  }
  auto folder_ok = check_folder_name(requested, field);
  if (!folder_ok) return Unexpected(std::move(folder_ok).error());
  if (const UploadProfile* owner = reserving(requested)) {
    return Unexpected(make_error(ErrorCode::folder_reserved,
                                 "this folder belongs to the upload profile '" + owner->name +
                                     "': name that profile instead",
                                 std::string(field)));
  }
  return ResolvedProfile{any, std::string(requested)};
}

Expected<ResolvedProfile, ApiError> ProfileSet::for_key(std::string_view key) const {
  if (const UploadProfile* named = named_owner(key)) return ResolvedProfile{named, named->folder};
  for (const UploadProfile& p : profiles_) {
    if (!p.any_folder) continue;
    // No named folder prefixes the key, so no folder it could match with is reserved.
    if (const auto match = p.key_template.match(key, std::nullopt, KeyOwner::anyone())) {
      return ResolvedProfile{&p, std::string(match->folder)};
    }
  }
  return Unexpected(
      make_error(ErrorCode::not_found, "no object of this key can be downloaded", "key"));
}

bool ProfileSet::keeps_to_own_folder(const UploadProfile& profile, std::string_view key) const {
  const UploadProfile* named = named_owner(key);
  return profile.any_folder ? named == nullptr : named == &profile;
}

}  // namespace upgate::api
