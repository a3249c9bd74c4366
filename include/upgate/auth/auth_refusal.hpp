// upgate::auth::AuthRefusal: why a request was not authenticated, precisely enough for
// the HTTP answer, the audit line and the metrics, and never more than that.
//
// Every mode answers with AuthResult: a principal, or a refusal naming the check that
// failed (AuthCheck). The check decides the status:
//   401  no credentials, or credentials that do not prove an identity (a bad or expired
//        token, an unknown API key); WWW-Authenticate: Bearer, with error="invalid_token"
//        when a token was presented (RFC 6750 §3.1) and error="invalid_request" when the
//        Authorization or Cookie header itself does not parse;
//   403  an identity that may not do this (an API key not issued for the profile);
//        WWW-Authenticate: Bearer error="insufficient_scope";
//   503  the keys to judge a token are not available yet (a JWKS that was never fetched).
//
// `message` is written by this library from fixed text and configuration names (a claim's
// name, never its value). It never holds a token, a signature, a claim value, a key or a
// secret, so it is safe in a response body, a log line and error_description. Tests check
// that for every refusal the vectors produce.
#pragma once

#include <string>
#include <string_view>

#include "upgate/auth/principal.hpp"
#include "upgate/expected.hpp"

namespace upgate::auth {

enum class AuthCheck : unsigned char {
  kMissingCredentials,    // nothing to judge: no Authorization, cookie or X-Api-Key
  kMalformedCredentials,  // an Authorization or Cookie header that does not parse
  kMalformedToken,        // not a JWS compact serialization upgate accepts
  kAlgorithmNotAllowed,   // alg is "none", unknown, or not in the allow-list
  kUnknownKey,            // no key for the token's kid (or, without kid, not exactly one)
  kKeyAlgorithmMismatch,  // the key's family or JWK "alg" does not allow the token's alg
  kBadSignature,          // the signature does not verify
  kExpired,               // exp is past (beyond the leeway)
  kNotYetValid,           // nbf is ahead (beyond the leeway)
  kIssuedInFuture,        // iat is ahead (beyond the leeway)
  kWrongIssuer,           // iss is not the configured issuer
  kWrongAudience,         // aud does not name a configured audience
  kMissingClaim,          // iss, aud or exp is absent
  kInvalidClaim,          // a registered claim of the wrong type
  kInvalidPrincipal,      // the principal claim is absent, not a string, empty or unusable
  kUnknownApiKey,         // no API key matches
  kProfileNotAllowed,     // the API key was not issued for this profile (403)
  kKeysUnavailable,       // no key set could be loaded yet (503)
};

// A stable snake_case name ("expired", "bad_signature", ...) for audit lines, metrics
// labels and tests.
std::string_view code(AuthCheck check) noexcept;

struct AuthRefusal {
  AuthCheck check = AuthCheck::kMissingCredentials;
  std::string message;  // safe to show and log (see above)

  // 401, 403 or 503.
  int status() const noexcept;
  // The WWW-Authenticate value for this refusal, or empty when the status takes none
  // (503). realm, when not empty, is added as realm="...".
  std::string www_authenticate(std::string_view realm = {}) const;
};

// A refusal whose message is the check's standard sentence.
AuthRefusal refusal(AuthCheck check);
// A refusal with a more precise sentence. `message` must follow the rules above.
AuthRefusal refusal(AuthCheck check, std::string message);

using AuthResult = Expected<PrincipalPtr, AuthRefusal>;

}  // namespace upgate::auth
