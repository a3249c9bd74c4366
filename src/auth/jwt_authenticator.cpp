// The JWT mode: cache, verify, and one JWKS refresh for an unknown kid.
#include "upgate/auth/jwt_authenticator.hpp"

#include <cassert>

namespace upgate::auth {

JwtAuthenticator::JwtAuthenticator(JwtPolicy policy, std::shared_ptr<JwksCache> keys, Clock clock,
                                   std::size_t cache_capacity)
    : policy_(std::move(policy)),
      keys_(std::move(keys)),
      clock_(or_system_clock(std::move(clock))),
      cache_(cache_capacity) {
  assert(keys_);
  assert(policy_.validate().has_value());
}

AuthResult JwtAuthenticator::judge(std::string_view token, std::chrono::sys_seconds now,
                                   bool& wants_refresh) {
  wants_refresh = false;
  // The generation before the keys (see JwksCache::publish).
  const std::uint64_t generation = keys_->generation();
  if (PrincipalPtr cached = cache_.find(token, now, generation)) return cached;
  const std::shared_ptr<const KeySet> keys = keys_->keys();
  bool unknown_kid = false;
  auto verified = verify_jwt(token, *keys, policy_, now, &unknown_kid);
  if (verified) {
    cache_.insert(token, verified->principal, verified->valid_before, generation);
    return std::move(verified->principal);
  }
  AuthRefusal refused = std::move(verified).error();
  if (refused.check == AuthCheck::kUnknownKey) {
    // Only a kid the set lacks may mean the provider rotated; a token without a kid that
    // finds no key says nothing a new set would change, unless no set was ever fetched.
    const bool ready = keys_->ready();
    if (!ready) refused = refusal(AuthCheck::kKeysUnavailable);
    if (unknown_kid || !ready) wants_refresh = keys_->unknown_kid_refresh_allowed();
  }
  return Unexpected(std::move(refused));
}

std::optional<AuthResult> JwtAuthenticator::try_authenticate(std::string_view token) {
  bool wants_refresh = false;
  AuthResult result = judge(token, clock_(), wants_refresh);
  if (wants_refresh) return std::nullopt;
  return result;
}

AuthResult JwtAuthenticator::authenticate(std::string_view token) {
  bool wants_refresh = false;
  AuthResult result = judge(token, clock_(), wants_refresh);
  if (!wants_refresh) return result;
  keys_->refresh_for_unknown_kid();
  return judge(token, clock_(), wants_refresh);
}

}  // namespace upgate::auth
