// AuthMode names, and what a principal id may be.
#include "upgate/auth/principal.hpp"

#include "upgate/enum_names.hpp"

namespace upgate::auth {

constexpr std::string_view kAuthModeNames[] = {"jwt", "hook", "api_key", "none"};
static_assert(names_through(kAuthModeNames, AuthMode::kNone));

std::string_view to_string(AuthMode mode) noexcept {
  return name_at(kAuthModeNames, mode, "none");
}

}  // namespace upgate::auth

namespace upgate::auth {

bool usable_principal_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxPrincipalIdBytes) return false;
  for (const char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace upgate::auth
