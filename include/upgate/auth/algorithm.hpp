// JWS algorithms (RFC 7518 §3, RFC 8037 §3.1) that upgate verifies, the key family each
// one needs, and the configured allow-list.
//
// "none" is not an algorithm here: it has no enumerator, parse_jws_algorithm refuses it,
// and no allow-list can hold it. Names compare exactly (case-sensitive, as RFC 7515 §4.1.1
// says); "None" and "NONE" are unknown names, refused the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"

namespace upgate::auth {

enum class JwsAlgorithm : std::uint8_t {
  kRS256,
  kRS384,
  kRS512,  // RSASSA-PKCS1-v1_5
  kPS256,  // RSASSA-PSS, MGF1 with SHA-256, salt of 32 bytes
  kES256,
  kES384,  // ECDSA on P-256 / P-384, signature as raw r||s
  kEdDSA,  // Ed25519 (RFC 8037)
  kHS256,
  kHS384,
  kHS512,  // HMAC with a shared secret
};

inline constexpr std::size_t kJwsAlgorithmCount = 10;

// The kinds of key material; a key is only ever used with algorithms of its own family.
enum class KeyFamily : std::uint8_t {
  kRsa,      // JWK kty "RSA"
  kEcP256,   // JWK kty "EC", crv "P-256"
  kEcP384,   // JWK kty "EC", crv "P-384"
  kEd25519,  // JWK kty "OKP", crv "Ed25519"
  kHmac,     // JWK kty "oct", or the shared secret from secret_env
};

std::string_view name(JwsAlgorithm alg) noexcept;
std::string_view name(KeyFamily family) noexcept;
// The algorithm for a JOSE "alg" value, or nullopt (also for "none").
std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view text) noexcept;
KeyFamily family_of(JwsAlgorithm alg) noexcept;

// The algorithms a deployment accepts (the `algorithms` setting).
class AlgorithmSet {
 public:
  constexpr AlgorithmSet() = default;
  // RS256, ES256, EdDSA: what OIDC providers sign with, and no shared secrets.
  static AlgorithmSet defaults() noexcept;
  // From configured names; an unknown name (or "none") is an error naming it.
  static Expected<AlgorithmSet, std::string> parse(std::span<const std::string> names);

  AlgorithmSet& add(JwsAlgorithm alg) noexcept;
  bool contains(JwsAlgorithm alg) const noexcept;
  bool empty() const noexcept { return bits_ == 0; }
  // "RS256, ES256, EdDSA", in enumerator order.
  std::string to_string() const;

 private:
  std::uint32_t bits_ = 0;
};

}  // namespace upgate::auth
