// JWS algorithm names, families and the allow-list.
#include "upgate/auth/algorithm.hpp"

#include "upgate/enum_names.hpp"

#include <array>

namespace upgate::auth {

namespace {

constexpr std::array<std::string_view, kJwsAlgorithmCount> kNames = {
    "RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA", "HS256", "HS384", "HS512"};

}  // namespace

std::string_view name(JwsAlgorithm alg) noexcept {
  return kNames[static_cast<std::size_t>(alg)];
}

constexpr std::string_view kKeyFamilyNames[] = {"RSA", "EC P-256", "EC P-384", "OKP Ed25519",
                                                "oct (HMAC)"};
static_assert(names_through(kKeyFamilyNames, KeyFamily::kHmac));

std::string_view name(KeyFamily family) noexcept {
  return name_at(kKeyFamilyNames, family, "unknown");
}

std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == text) return static_cast<JwsAlgorithm>(i);
  }
  return std::nullopt;
}

KeyFamily family_of(JwsAlgorithm alg) noexcept {
  switch (alg) {
    case JwsAlgorithm::kRS256:
    case JwsAlgorithm::kRS384:
    case JwsAlgorithm::kRS512:
    case JwsAlgorithm::kPS256:
      return KeyFamily::kRsa;
    case JwsAlgorithm::kES256:
      return KeyFamily::kEcP256;
    case JwsAlgorithm::kES384:
      return KeyFamily::kEcP384;
    case JwsAlgorithm::kEdDSA:
      return KeyFamily::kEd25519;
    case JwsAlgorithm::kHS256:
    case JwsAlgorithm::kHS384:
    case JwsAlgorithm::kHS512:
      return KeyFamily::kHmac;
  }
  return KeyFamily::kHmac;
}

AlgorithmSet AlgorithmSet::defaults() noexcept {
  AlgorithmSet set;
  set.add(JwsAlgorithm::kRS256).add(JwsAlgorithm::kES256).add(JwsAlgorithm::kEdDSA);
  return set;
}

Expected<AlgorithmSet, std::string> AlgorithmSet::parse(std::span<const std::string> names) {
  AlgorithmSet set;
  for (const std::string& n : names) {
    const auto alg = parse_jws_algorithm(n);
    if (!alg) {
      std::string known;
      for (const std::string_view k : kNames) known.append(known.empty() ? "" : ", ").append(k);
      return Unexpected("unknown JWS algorithm \"" + n + "\" (known: " + known +
                        "; \"none\" is never accepted)");
    }
    set.add(*alg);
  }
  if (set.empty()) return Unexpected(std::string("the algorithm list is empty"));
  return set;
}

AlgorithmSet& AlgorithmSet::add(JwsAlgorithm alg) noexcept {
  bits_ |= 1u << static_cast<unsigned>(alg);
  return *this;
}

bool AlgorithmSet::contains(JwsAlgorithm alg) const noexcept {
  return (bits_ >> static_cast<unsigned>(alg)) & 1u;
}

std::string AlgorithmSet::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (contains(static_cast<JwsAlgorithm>(i)))
      out.append(out.empty() ? "" : ", ").append(kNames[i]);
  }
  return out;
}

}  // namespace upgate::auth
