// upgate::auth::Principal: who is asking, as every authentication mode reports it.
//
// Whatever proved the caller's identity (a JWT, the app's forward-auth hook, an API key,
// or nothing on an open loopback deployment), the rest of the API sees one value: an id
// (the string that key templates put in `{principal}` and audit lines record), the
// claims that came with it (a JSON object: the token's payload, the hook's "claims", an
// API key's id and profiles), and the mode that produced it (for audit and metrics).
//
// Principals are immutable and shared (PrincipalPtr): a verified-token cache hands the
// same one to every request that carries the same token.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace upgate::auth {

enum class AuthMode : unsigned char {
  kJwt,     // a bearer or cookie JWT, verified against the configured keys
  kHook,    // the app's forward-auth hook answered 200
  kApiKey,  // an upk_ key from the keys file
  kNone,    // no authentication configured (or a profile with auth = "none")
};

// "jwt", "hook", "api_key", "none": the names config, audit lines and metrics use.
std::string_view to_string(AuthMode mode) noexcept;

struct Principal {
  std::string id;              // never empty for kJwt, kHook and kApiKey
  boost::json::object claims;  // as the source gave them; may be empty
  AuthMode mode = AuthMode::kNone;
};

using PrincipalPtr = std::shared_ptr<const Principal>;

// The longest principal id any mode accepts: it goes into keys, audit lines and tokens.
inline constexpr std::size_t kMaxPrincipalIdBytes = 1024;

// Whether a JWT claim or the hook's answer may serve as a principal id: 1 to
// kMaxPrincipalIdBytes bytes, no control characters (it reaches logs and object keys).
bool usable_principal_id(std::string_view id) noexcept;

}  // namespace upgate::auth
