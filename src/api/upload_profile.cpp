// Profile rules and the seed-like default profile.
#include "upgate/api/upload_profile.hpp"

#include <algorithm>

namespace upgate::api {

bool UploadProfile::allows_type(const MediaType& type) const {
  if (allowed_types.empty()) return true;
  return std::any_of(allowed_types.begin(), allowed_types.end(),
                     [&](const MediaTypePattern& p) { return p.matches(type); });
}

bool UploadProfile::allows_extension(std::string_view lower_case_extension) const {
  if (allowed_extensions.empty()) return true;
  return std::find(allowed_extensions.begin(), allowed_extensions.end(), lower_case_extension) !=
         allowed_extensions.end();
}

UploadProfile default_profile() {
  UploadProfile profile;
  profile.name = "default";
  profile.any_folder = true;
  return profile;
}

}  // namespace upgate::api
