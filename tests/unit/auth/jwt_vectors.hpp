// Test-only loader of tests/data/jwt/vectors.json, which make_vectors.py writes with PyJWT
// and pyca/cryptography: the fixed clock, issuer and audience, the JWK Sets, the shared
// secret, and one JwtVector per token with the outcome it must get.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/auth/jwt_verifier.hpp"
#include "upgate/auth/key_set.hpp"

namespace upgate::auth::testing {

struct JwtVector {
  std::string name;
  std::string token;
  std::string expect;  // "accept" or an AuthCheck code
  std::string jwks;    // which set of Vectors::jwks
  std::vector<std::string> algorithms;
  std::optional<std::string> principal;
  std::optional<std::string> principal_claim;
};

inline void PrintTo(const JwtVector& v, std::ostream* os) {
  *os << v.name;
}

struct Vectors {
  std::chrono::sys_seconds now;
  std::string issuer;
  std::string audience;
  std::string hs_secret;
  std::string rsa_public_pem;
  boost::json::object jwks;  // name -> JWK Set document
  std::vector<std::string> jwks_mixed_accepted;
  std::vector<JwtVector> vectors;

  // The named JWK Set's text, as a fetcher would return it.
  std::string jwks_text(const std::string& name) const;
  // That set's keys followed by the shared secret (no kid), as a deployment with both
  // jwks_url and secret_env would hold them.
  KeySet key_set(const std::string& name) const;
  // The policy a vector is judged under.
  JwtPolicy policy(const JwtVector& v) const;
};

const Vectors& vectors();
// The vector of that name (throws when there is none).
const JwtVector& vector_named(std::string_view name);

std::string data_path(const std::string& relative);

}  // namespace upgate::auth::testing
