// The names of the per-profile authentication rules.
#include "upgate/api/auth_config.hpp"

namespace upgate::api {

std::string_view to_string(ProfileAuth rule) noexcept {
  switch (rule) {
    case ProfileAuth::required:
      return "required";
    case ProfileAuth::optional:
      return "optional";
    case ProfileAuth::none:
      return "none";
  }
  return "required";
}

std::optional<ProfileAuth> parse_profile_auth(std::string_view text) noexcept {
  for (const ProfileAuth rule : {ProfileAuth::required, ProfileAuth::optional, ProfileAuth::none}) {
    if (text == to_string(rule)) return rule;
  }
  return std::nullopt;
}

}  // namespace upgate::api
