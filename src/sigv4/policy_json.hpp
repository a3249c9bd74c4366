// JSON strings as the POST policy files write them: the policy document's own
// strings, and bounded, quoted echoes of hostile values in error messages. Private to
// the sigv4 library (post_policy.cpp, presign_post.cpp, verify_post.cpp).
#pragma once

#include <string>
#include <string_view>

#include "upgate/json_string.hpp"

namespace upgate::sigv4::policy_json {

inline void append_json_string(std::string& out, std::string_view s) {
  upgate::append_json_string(out, s, JsonEscapes::kShortest);
}

inline std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// A bounded, JSON-quoted echo of a policy value for error messages.
inline std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 64;
  if (s.size() <= kMax) return json_string(s);
  return json_string(s.substr(0, kMax)) + "...";
}

}  // namespace upgate::sigv4::policy_json
