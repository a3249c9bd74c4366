// The on_store_error setting.
#include "upgate/limits/limiter.hpp"

namespace upgate::limits {

Expected<StoreErrorPolicy, std::string> parse_store_error_policy(std::string_view text) {
  if (text == "allow") return StoreErrorPolicy::allow;
  if (text == "deny") return StoreErrorPolicy::deny;
  std::string shown;
  for (const char c : text.substr(0, 32)) {
    shown += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  return Unexpected("on_store_error \"" + shown + "\" is neither \"allow\" nor \"deny\"");
}

std::string_view to_string(StoreErrorPolicy policy) noexcept {
  return policy == StoreErrorPolicy::allow ? "allow" : "deny";
}

}  // namespace upgate::limits
