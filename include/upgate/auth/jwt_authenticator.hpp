// upgate::auth::JwtAuthenticator: the [auth.jwt] mode as one object: a policy, the key
// cache and a verified-token cache, judged at the injected clock's now.
//
// The API's hot path calls try_authenticate() on its I/O thread: a cached token costs a
// SHA-256 and a map probe; an uncached one a signature check (tens of microseconds for
// ES256). It never fetches. It returns nullopt in one case only: the token names a kid
// the key set lacks and the JWKS cache would refresh now; the caller then runs
// authenticate() on a blocking pool (Exchange::run_blocking), which performs that one
// fetch and judges again. Every other outcome, accepted or refused, is final.
//
// Refusals: those of verify_jwt, except that a token finding no key while the JWKS has
// never been fetched is kKeysUnavailable (503), not kUnknownKey.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "upgate/auth/auth_refusal.hpp"
#include "upgate/auth/clock.hpp"
#include "upgate/auth/jwks_cache.hpp"
#include "upgate/auth/jwt_verifier.hpp"
#include "upgate/auth/verified_token_cache.hpp"

namespace upgate::auth {

class JwtAuthenticator {
 public:
  // policy must validate(); `keys` is shared with whatever runs its refreshes.
  JwtAuthenticator(JwtPolicy policy, std::shared_ptr<JwksCache> keys, Clock clock = {},
                   std::size_t cache_capacity = 16384);

  // Never blocks. nullopt: call authenticate() from a blocking context.
  std::optional<AuthResult> try_authenticate(std::string_view token);
  // May block for one JWKS fetch.
  AuthResult authenticate(std::string_view token);

  const JwtPolicy& policy() const noexcept { return policy_; }
  JwksCache& keys() noexcept { return *keys_; }

 private:
  AuthResult judge(std::string_view token, std::chrono::sys_seconds now, bool& wants_refresh);

  JwtPolicy policy_;
  std::shared_ptr<JwksCache> keys_;
  Clock clock_;
  VerifiedTokenCache cache_;
};

}  // namespace upgate::auth
