// An upload profile with only its name and folder set: the profile-set, URL-access and
// upload-service suites build their profiles from it and change the fields each test is about.
#pragma once

#include <string>
#include <utility>

#include "upgate/api/upload_profile.hpp"

namespace upgate::testing {

inline api::UploadProfile profile_named(std::string name, std::string folder) {
  api::UploadProfile p;
  p.name = std::move(name);
  p.folder = std::move(folder);
  return p;
}

}  // namespace upgate::testing
