// AuthMode names, and what a principal id may be.
#include "upgate/auth/principal.hpp"

namespace upgate::auth {

std::string_view to_string(AuthMode mode) noexcept {
  switch (mode) {
    case AuthMode::kJwt:
      return "jwt";
    case AuthMode::kHook:
      return "hook";
    case AuthMode::kApiKey:
      return "api_key";
    case AuthMode::kNone:
      return "none";
  }
  return "none";
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
