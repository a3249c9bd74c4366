// What an authenticator narrowed for its caller.
#include "upgate/api/caller.hpp"

namespace upgate::api {

bool CallerLimits::allows_type(const MediaType& type) const {
  if (!allowed_types) return true;
  for (const MediaTypePattern& pattern : *allowed_types) {
    if (pattern.matches(type)) return true;
  }
  return false;
}

}  // namespace upgate::api
