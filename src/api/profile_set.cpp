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
  return ResolvedProfile{any, std::string(requested)};
}

Expected<ResolvedProfile, ApiError> ProfileSet::for_key(std::string_view key) const {
  const UploadProfile* best = nullptr;
  const UploadProfile* any = nullptr;
  for (const UploadProfile& p : profiles_) {
    if (p.any_folder) {
      any = &p;
      continue;
    }
    if (key.size() > p.folder.size() && key.compare(0, p.folder.size(), p.folder) == 0 &&
        key[p.folder.size()] == '/' && (best == nullptr || p.folder.size() > best->folder.size())) {
      best = &p;
    }
  }
  if (best != nullptr) return ResolvedProfile{best, best->folder};
  if (any != nullptr) {
    const auto slash = key.rfind('/');
    if (slash == std::string_view::npos) {
      return Unexpected(make_error(ErrorCode::invalid_key, "key is not inside a folder", "key"));
    }
    auto folder_ok = check_folder_name(key.substr(0, slash), "key");
    if (!folder_ok) {
      return Unexpected(
          make_error(ErrorCode::invalid_key, "key is not inside a valid folder", "key"));
    }
    return ResolvedProfile{any, std::string(key.substr(0, slash))};
  }
  return Unexpected(
      make_error(ErrorCode::unknown_profile, "key is in no configured profile's folder", "key"));
}

}  // namespace upgate::api
