// The names of the per-profile authentication rules.
#include "upgate/api/auth_config.hpp"

#include "upgate/enum_names.hpp"

namespace upgate::api {

constexpr EnumName<ProfileAuth> kProfileAuthNames[] = {
    {ProfileAuth::required, "required"},
    {ProfileAuth::optional, "optional"},
    {ProfileAuth::none, "none"},
};
static_assert(each_value_once(kProfileAuthNames));

std::string_view to_string(ProfileAuth rule) noexcept {
  return name_of(kProfileAuthNames, rule, "required");
}

std::optional<ProfileAuth> parse_profile_auth(std::string_view text) noexcept {
  return value_named(kProfileAuthNames, text);
}

}  // namespace upgate::api
