// AuthMode names.
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
