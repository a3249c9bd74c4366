// JWK import: public keys built from JWK parameters with OpenSSL 3's EVP_PKEY_fromdata
// (RSA, EC) and EVP_PKEY_new_raw_public_key (Ed25519), and HMAC secrets.
#include "upgate/auth/verification_key.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>

#include "upgate/sigv4/base64url.hpp"

namespace upgate::auth {

namespace json = boost::json;

namespace {

constexpr std::size_t kMinRsaBits = 2048;
constexpr std::size_t kMaxRsaBits = 8192;
constexpr std::size_t kMaxExponentBytes = 8;
constexpr std::size_t kMinSecretBytes = 32;
constexpr std::size_t kMaxSecretBytes = 1024;

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using Params = std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)>;
using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

Unexpected<std::string> fail(std::string reason) {
  return Unexpected(std::move(reason));
}

// A string member, absent, or of the wrong type (an error naming the member).
Expected<std::optional<std::string_view>, std::string> string_member(const json::object& jwk,
                                                                     std::string_view name) {
  const json::value* v = jwk.if_contains(name);
  if (!v) return std::optional<std::string_view>{};
  if (!v->is_string()) return fail("\"" + std::string(name) + "\" is not a string");
  const json::string& s = v->get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

// A required base64url member's bytes.
Expected<std::string, std::string> bytes_member(const json::object& jwk, std::string_view name) {
  auto text = string_member(jwk, name);
  if (!text) return fail(std::move(text).error());
  if (!*text) return fail("\"" + std::string(name) + "\" is missing");
  auto bytes = sigv4::base64url_decode(**text);
  if (!bytes) return fail("\"" + std::string(name) + "\" is not base64url");
  if (bytes->empty()) return fail("\"" + std::string(name) + "\" is empty");
  return std::move(*bytes);
}

// The key is imported as a verifier of public data; a JWK that carries private parts
// must not have been published.
bool has_private_parts(const json::object& jwk) {
  for (const std::string_view member : {"d", "p", "q", "dp", "dq", "qi", "oth"}) {
    if (jwk.contains(member)) return true;
  }
  return false;
}

Expected<Pkey, std::string> import_rsa(const json::object& jwk) {
  auto n = bytes_member(jwk, "n");
  if (!n) return fail(std::move(n).error());
  auto e = bytes_member(jwk, "e");
  if (!e) return fail(std::move(e).error());
  std::string_view modulus = *n;
  while (!modulus.empty() && modulus.front() == '\0') modulus.remove_prefix(1);
  std::string_view exponent = *e;
  while (!exponent.empty() && exponent.front() == '\0') exponent.remove_prefix(1);
  Bignum bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(modulus.data()),
                        static_cast<int>(modulus.size()), nullptr),
              &BN_free);
  Bignum bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(exponent.data()),
                        static_cast<int>(exponent.size()), nullptr),
              &BN_free);
  if (!bn_n || !bn_e) throw std::bad_alloc();
  const auto bits = static_cast<std::size_t>(BN_num_bits(bn_n.get()));
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return fail("RSA modulus of " + std::to_string(bits) + " bits; " + std::to_string(kMinRsaBits) +
                " to " + std::to_string(kMaxRsaBits) + " are accepted");
  }
  if (!BN_is_odd(bn_n.get())) return fail("RSA modulus is even");
  if (exponent.size() > kMaxExponentBytes || !BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) {
    return fail("RSA exponent is not an odd number above 1 of at most 64 bits");
  }
  ParamBld bld(OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    throw std::bad_alloc();
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()), &OSSL_PARAM_free);
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return fail("the RSA parameters do not form a key");
  }
  return Pkey(raw, &EVP_PKEY_free);
}

Expected<Pkey, std::string> import_ec(const json::object& jwk, KeyFamily family) {
  const std::size_t coordinate = family == KeyFamily::kEcP256 ? 32 : 48;
  auto x = bytes_member(jwk, "x");
  if (!x) return fail(std::move(x).error());
  auto y = bytes_member(jwk, "y");
  if (!y) return fail(std::move(y).error());
  if (x->size() != coordinate || y->size() != coordinate) {
    return fail("EC coordinates must be " + std::to_string(coordinate) + " bytes each");
  }
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed
  char group[] = "P-256";
  char group384[] = "P-384";
  const std::array<OSSL_PARAM, 3> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                       family == KeyFamily::kEcP256 ? group : group384, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY,
                        const_cast<OSSL_PARAM*>(params.data())) != 1) {
    return fail("the EC point is not on the curve");
  }
  Pkey key(raw, &EVP_PKEY_free);
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), &EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return fail("the EC point is not on the curve");
  }
  return key;
}

Expected<Pkey, std::string> import_ed25519(const json::object& jwk) {
  auto x = bytes_member(jwk, "x");
  if (!x) return fail(std::move(x).error());
  if (x->size() != 32) return fail("an Ed25519 \"x\" must be 32 bytes");
  EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (!raw) return fail("the Ed25519 key does not import");
  return Pkey(raw, &EVP_PKEY_free);
}

}  // namespace

void VerificationKey::PkeyDeleter::operator()(EVP_PKEY* key) const noexcept {
  EVP_PKEY_free(key);
}

VerificationKey::~VerificationKey() {
  if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

Expected<VerificationKey, std::string> VerificationKey::from_jwk(const json::object& jwk,
                                                                 const JwkImport& options) {
  VerificationKey key;
  auto kid = string_member(jwk, "kid");
  if (!kid) return fail(std::move(kid).error());
  if (*kid) {
    if ((*kid)->empty() || (*kid)->size() > kMaxKidBytes) {
      return fail("\"kid\" must be 1 to " + std::to_string(kMaxKidBytes) + " bytes");
    }
    key.kid_ = std::string(**kid);
  }
  auto kty = string_member(jwk, "kty");
  if (!kty) return fail(std::move(kty).error());
  if (!*kty) return fail("\"kty\" is missing");

  auto use = string_member(jwk, "use");
  if (!use) return fail(std::move(use).error());
  if (*use && **use != "sig") return fail("\"use\" is not \"sig\"");
  if (const json::value* ops = jwk.if_contains("key_ops")) {
    bool verify = false;
    if (!ops->is_array()) return fail("\"key_ops\" is not an array");
    for (const json::value& op : ops->get_array()) {
      if (!op.is_string()) return fail("\"key_ops\" holds a non-string");
      verify = verify || op.get_string() == "verify";
    }
    if (!verify) return fail("\"key_ops\" does not include \"verify\"");
  }

  const std::string_view type = **kty;
  if (type == "oct") {
    if (!options.allow_symmetric) {
      return fail("a shared secret (kty \"oct\") is refused in a key set from a URL");
    }
    auto k = bytes_member(jwk, "k");
    if (!k) return fail(std::move(k).error());
    if (k->size() < kMinSecretBytes || k->size() > kMaxSecretBytes) {
      OPENSSL_cleanse(k->data(), k->size());
      return fail("a shared secret must be " + std::to_string(kMinSecretBytes) + " to " +
                  std::to_string(kMaxSecretBytes) + " bytes");
    }
    key.family_ = KeyFamily::kHmac;
    key.secret_ = std::move(*k);
  } else {
    if (has_private_parts(jwk)) return fail("the JWK holds private key parameters");
    Expected<Pkey, std::string> pkey = fail("");
    if (type == "RSA") {
      key.family_ = KeyFamily::kRsa;
      pkey = import_rsa(jwk);
    } else if (type == "EC" || type == "OKP") {
      auto crv = string_member(jwk, "crv");
      if (!crv) return fail(std::move(crv).error());
      if (!*crv) return fail("\"crv\" is missing");
      if (type == "EC" && **crv == "P-256") {
        key.family_ = KeyFamily::kEcP256;
      } else if (type == "EC" && **crv == "P-384") {
        key.family_ = KeyFamily::kEcP384;
      } else if (type == "OKP" && **crv == "Ed25519") {
        key.family_ = KeyFamily::kEd25519;
      } else {
        return fail("curve not supported for kty \"" + std::string(type) +
                    "\" (P-256, P-384, Ed25519 are)");
      }
      pkey = key.family_ == KeyFamily::kEd25519 ? import_ed25519(jwk) : import_ec(jwk, key.family_);
    } else {
      return fail("kty not supported (RSA, EC, OKP, oct are)");
    }
    if (!pkey) return fail(std::move(pkey).error());
    key.pkey_.reset(pkey->release());
  }

  auto alg = string_member(jwk, "alg");
  if (!alg) return fail(std::move(alg).error());
  if (*alg) {
    const auto parsed = parse_jws_algorithm(**alg);
    if (!parsed) return fail("\"alg\" is not a supported JWS algorithm");
    if (family_of(*parsed) != key.family_) {
      return fail("\"alg\" " + std::string(name(*parsed)) + " does not fit a key of type " +
                  std::string(name(key.family_)));
    }
    key.algorithm_ = *parsed;
  }
  return key;
}

Expected<VerificationKey, std::string> VerificationKey::from_shared_secret(
    std::string_view secret, std::optional<std::string> kid) {
  if (secret.size() < kMinSecretBytes || secret.size() > kMaxSecretBytes) {
    return fail("a shared secret must be " + std::to_string(kMinSecretBytes) + " to " +
                std::to_string(kMaxSecretBytes) + " bytes");
  }
  if (kid && (kid->empty() || kid->size() > kMaxKidBytes)) {
    return fail("a kid must be 1 to " + std::to_string(kMaxKidBytes) + " bytes");
  }
  VerificationKey key;
  key.kid_ = std::move(kid);
  key.family_ = KeyFamily::kHmac;
  key.secret_.assign(secret);
  return key;
}

bool VerificationKey::usable_with(JwsAlgorithm alg) const noexcept {
  if (family_of(alg) != family_) return false;
  if (algorithm_ && *algorithm_ != alg) return false;
  if (family_ == KeyFamily::kHmac) {
    const std::size_t hash_bytes = alg == JwsAlgorithm::kHS256   ? 32
                                   : alg == JwsAlgorithm::kHS384 ? 48
                                                                 : 64;
    return secret_.size() >= hash_bytes;
  }
  return true;
}

}  // namespace upgate::auth
