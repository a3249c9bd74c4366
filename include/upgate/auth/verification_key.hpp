// upgate::auth::VerificationKey: one public key (or shared secret) that may verify JWS
// signatures, imported from a JWK (RFC 7517, RFC 7518 §6, RFC 8037 §2) or from the
// shared secret named by secret_env.
//
// A key knows its family (RSA, EC P-256, EC P-384, Ed25519, HMAC) and, when its JWK said
// so, the one algorithm it is for ("alg"). usable_with() is the only door to verify(): an
// RSA key never verifies an HS256 MAC (the RSA-public-key-as-HMAC-secret confusion), a
// P-256 key never verifies ES384, and a JWK with "alg":"RS256" never verifies RS384.
//
// Import refuses, with a reason that never quotes key material:
//  - a JWK with private parts (d, p, q, dp, dq, qi, oth): a public key set that carries
//    private keys is a leak, not something to use;
//  - "use" other than "sig", "key_ops" without "verify", an "alg" that is unknown or of
//    another family;
//  - RSA moduli under 2048 or over 8192 bits, even or tiny exponents; EC coordinates not
//    of the curve's full length (RFC 7518 §6.2.1.2) or not on the curve; an Ed25519 "x" not
//    32 bytes; other curves (P-521, X25519, secp256k1) and other key types;
//  - HMAC secrets under 32 bytes (RFC 7518 §3.2: at least the hash size; HS384 and HS512
//    additionally need 48 and 64 bytes, which usable_with() checks);
//  - "oct" keys unless JwkImport::allow_symmetric (a set fetched from a URL is public, so a
//    shared secret in it is no secret).
// x5c/x5t are ignored: the key is the JWK's own parameters, never a certificate chain.
//
// Keys are immutable and safe to use from many threads at once. HMAC secrets are wiped
// when the key is destroyed.
#pragma once

#include <openssl/types.h>

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/auth/algorithm.hpp"
#include "upgate/expected.hpp"

namespace upgate::auth {

// The longest "kid" accepted, in a JWK and in a token's header.
inline constexpr std::size_t kMaxKidBytes = 256;

struct JwkImport {
  bool allow_symmetric = false;  // accept kty "oct" (files, never URLs)
};

class VerificationKey {
 public:
  static Expected<VerificationKey, std::string> from_jwk(const boost::json::object& jwk,
                                                         const JwkImport& options = {});
  // A shared secret's bytes as they are (the form HS256 providers hand out), at least 32.
  static Expected<VerificationKey, std::string> from_shared_secret(
      std::string_view secret, std::optional<std::string> kid = std::nullopt);

  VerificationKey(VerificationKey&&) noexcept = default;
  VerificationKey& operator=(VerificationKey&&) noexcept = default;
  VerificationKey(const VerificationKey&) = delete;
  VerificationKey& operator=(const VerificationKey&) = delete;
  ~VerificationKey();

  const std::optional<std::string>& kid() const noexcept { return kid_; }
  KeyFamily family() const noexcept { return family_; }
  // The JWK's "alg", when it had one.
  std::optional<JwsAlgorithm> algorithm() const noexcept { return algorithm_; }

  // Whether this key may verify `alg`: same family, the JWK's "alg" when present, and an
  // HMAC secret at least as long as the hash.
  bool usable_with(JwsAlgorithm alg) const noexcept;

  // Whether `signature` (the decoded third JWS part) signs `signing_input` (the first two
  // parts and their dot) under `alg` with this key. False also when !usable_with(alg) or
  // the signature has the wrong length (ES256 wants exactly 64 bytes of r||s, not DER).
  bool verify(JwsAlgorithm alg, std::string_view signing_input, std::string_view signature) const;

 private:
  VerificationKey() = default;
  struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const noexcept;
  };

  std::optional<std::string> kid_;
  KeyFamily family_ = KeyFamily::kRsa;
  std::optional<JwsAlgorithm> algorithm_;
  std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey_;  // asymmetric families
  std::string secret_;                           // kHmac
};

}  // namespace upgate::auth
