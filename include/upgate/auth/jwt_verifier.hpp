// upgate::auth::verify_jwt: one JWT (JWS compact serialization, RFC 7515 §7.1; claims
// per RFC 7519) judged against a key set, a policy and a time. Pure: no I/O, no cache,
// no clock of its own. jwt_authenticator.hpp adds the key refresh and the result cache.
//
// The order of the checks, each a precise AuthCheck:
//  1. shape: at most policy.max_token_bytes, three non-empty base64url parts
//     (base64url.hpp), a header that is a strict JSON object (strict_json.hpp) with a
//     string "alg", an optional string "kid", an optional string "typ", and no "crit"
//     (no extension is understood, so RFC 7515 §4.1.11 says refuse) → kMalformedToken;
//  2. alg: known and in policy.algorithms ("none" never is) → kAlgorithmNotAllowed;
//  3. key: KeySet::select by kid, and the key's family and JWK "alg" must allow the
//     token's alg → kUnknownKey / kKeyAlgorithmMismatch. Header keys that name other keys
//     (jku, jwk, x5u, x5c) are never followed;
//  4. signature → kBadSignature. Nothing in the payload is read before this passes;
//  5. claims, a strict JSON object: iss (a string equal to policy.issuer), aud (a string,
//     or an array of strings, naming one of policy.audiences), exp (a number) are
//     required → kMissingClaim / kInvalidClaim / kWrongIssuer / kWrongAudience; then
//     exp, nbf, iat against now with policy.leeway → kExpired / kNotYetValid /
//     kIssuedInFuture;
//  6. the principal: policy.principal_claim must be a non-empty string of at most 1024
//     bytes without control characters → kInvalidPrincipal.
//
// Why OpenSSL 3's EVP directly rather than a JOSE library (Debian 12 has two):
//  - libcjose-dev (0.6.2.1, the OpenIDC fork that mod_auth_openidc uses): JWS/JWE/JWK in C
//    over jansson. No EdDSA/OKP at all, no JWK Set parsing, no JWT claims layer. It
//    verifies with whatever "alg" the header names (the caller must allow-list it first),
//    its HMAC digest is computed from the JWK's key data before the key type is checked,
//    and Debian's build still goes through OpenSSL's deprecated RSA_*/EC_KEY APIs. We would
//    keep all of the JWT logic and the key-family rule ourselves and add jansson.
//  - libcpp-jwt-dev (1.4, header-only, last upstream release 2021): HS/RS/ES only (no
//    PS256, no EdDSA), keys are one PEM string or one secret per decode (no JWK, no kid
//    selection), the verification algorithm comes from the token's header, so an
//    allow-list holding both HS256 and RS256 with a PEM public key is exactly the
//    RSA-key-as-HMAC-secret hole. It reports errors by exceptions and std::error_code
//    mixed, and brings nlohmann-json beside the Boost.JSON the project uses.
//  - OpenSSL 3 (already linked for SigV4): every algorithm asked for, including Ed25519
//    and RSA-PSS; public keys built from JWK parameters with EVP_PKEY_fromdata (RSA n/e,
//    EC x/y on a named group) or EVP_PKEY_new_raw_public_key (Ed25519), checked with
//    EVP_PKEY_public_check; one EVP_DigestVerify call per algorithm. What is left to write
//    is the JOSE glue (strict base64url, raw r||s → DER for ECDSA, the header and claims
//    rules), which is small, and which the tests check against tokens and keys made by an
//    independent implementation (PyJWT and pyca/cryptography, tests/data/jwt/).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/auth/algorithm.hpp"
#include "upgate/auth/auth_refusal.hpp"
#include "upgate/auth/key_set.hpp"
#include "upgate/auth/principal.hpp"
#include "upgate/expected.hpp"

namespace upgate::auth {

struct JwtPolicy {
  std::string issuer;                  // required, compared exactly
  std::vector<std::string> audiences;  // required, at least one
  AlgorithmSet algorithms = AlgorithmSet::defaults();
  std::chrono::seconds leeway{60};
  std::string principal_claim = "sub";
  std::size_t max_token_bytes = 16 * 1024;

  // Whether this policy can judge tokens: issuer and audiences set, leeway 0..300 s, a
  // non-empty allow-list and principal claim. The message names the field.
  Expected<void, std::string> validate() const;
};

struct VerifiedJwt {
  PrincipalPtr principal;  // mode kJwt, claims = the whole payload
  // The first second at which verify_jwt refuses the token as expired (exp + leeway,
  // rounded up): a cache may keep the result until just before then.
  std::chrono::sys_seconds valid_before;
};

// `unknown_kid`, when given, is set when the refusal is kUnknownKey because no key has the
// token's kid: the one refusal a fresher key set could turn into an acceptance.
Expected<VerifiedJwt, AuthRefusal> verify_jwt(std::string_view token, const KeySet& keys,
                                              const JwtPolicy& policy, std::chrono::sys_seconds now,
                                              bool* unknown_kid = nullptr);

}  // namespace upgate::auth
