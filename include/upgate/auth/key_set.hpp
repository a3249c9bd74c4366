// upgate::auth::KeySet: the keys a JWT may be verified with, and where they come from:
// a JWK Set (RFC 7517 §5) fetched from jwks_url or read from jwks_file, and the shared
// secret of secret_env. They are all inputs of one set; the JWKS cache
// (jwks_cache.hpp) rebuilds it whenever the fetched part changes.
//
// A JWK Set is parsed as hostile (strict_json.hpp) and bounded (JwksLimits). A key that
// cannot be used is refused on its own, with a reason, and the rest of the set stands:
// one odd key a provider publishes (an encryption key, a P-521 key) must not take
// sign-in down. Only a document that is not a JWK Set at all fails as a whole.
//
// Key selection (select()):
//  - a token with a kid: the keys with exactly that kid; none is kUnknownKid (the one case
//    that may refresh a fetched set); none usable with the token's alg is kWrongFamily;
//  - a token without a kid: the keys usable with its alg; exactly one is used; none is
//    kNoCandidate and several are kAmbiguous (never a refresh, never a guess).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/auth/verification_key.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/expected.hpp"

namespace upgate::auth {

using KeyPtr = std::shared_ptr<const VerificationKey>;

struct KeySelection {
  enum class Outcome : unsigned char {
    kFound,
    kUnknownKid,
    kWrongFamily,
    kNoCandidate,
    kAmbiguous
  };
  Outcome outcome = Outcome::kNoCandidate;
  std::vector<KeyPtr> keys;  // kFound: at least one (several only when kids collide)
};

class KeySet {
 public:
  KeySet() = default;
  explicit KeySet(std::vector<KeyPtr> keys) : keys_(std::move(keys)) {}

  const std::vector<KeyPtr>& keys() const noexcept { return keys_; }
  bool empty() const noexcept { return keys_.empty(); }
  std::size_t size() const noexcept { return keys_.size(); }

  // This set's keys followed by `more`'s.
  KeySet merged_with(const KeySet& more) const;

  KeySelection select(std::optional<std::string_view> kid, JwsAlgorithm alg) const;

 private:
  std::vector<KeyPtr> keys_;
};

struct JwksLimits {
  std::size_t max_bytes = 256 * 1024;
  std::size_t max_keys = 64;
};

struct ParsedJwks {
  KeySet keys;
  // One line per refused key: `key 3 (kid "k1"): RSA modulus of 1024 bits; at least 2048`.
  std::vector<std::string> rejected;
};

// The usable keys of a JWK Set document, and why each other key was refused. Fails only
// when the document is not a bounded JSON object with a "keys" array.
Expected<ParsedJwks, std::string> parse_jwks(std::string_view text, const JwkImport& import = {},
                                             const JwksLimits& limits = {});

// parse_jwks of a file (jwks_file), read with the size bound; "oct" keys are allowed
// (a file on the server is where a shared secret may live).
Expected<ParsedJwks, std::string> load_jwks_file(const std::filesystem::path& path,
                                                 const JwksLimits& limits = {});

// The HS256/384/512 key from the environment variable named by secret_env. Errors name
// the variable, never its value.
Expected<VerificationKey, std::string> shared_secret_from_env(
    const config::Environment& env, std::string_view variable,
    std::optional<std::string> kid = std::nullopt);

}  // namespace upgate::auth
