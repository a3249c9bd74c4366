// VerificationKey::verify: one JWS signature checked with OpenSSL 3's EVP, after JOSE's
// encodings are turned into OpenSSL's (ECDSA's raw r||s into DER).
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <array>
#include <memory>

#include "upgate/auth/verification_key.hpp"

namespace upgate::auth {

namespace {

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)>;

// Digests fetched once: a fetch per verification costs a provider lookup under a lock.
const EVP_MD* digest(const char* name) {
  return EVP_MD_fetch(nullptr, name, nullptr);
}
const EVP_MD* sha256() {
  static const EVP_MD* const md = digest("SHA256");
  return md;
}
const EVP_MD* sha384() {
  static const EVP_MD* const md = digest("SHA384");
  return md;
}
const EVP_MD* sha512() {
  static const EVP_MD* const md = digest("SHA512");
  return md;
}

const EVP_MD* digest_for(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRS256:
    case JwsAlgorithm::kPS256:
    case JwsAlgorithm::kES256:
    case JwsAlgorithm::kHS256:
      return sha256();
    case JwsAlgorithm::kRS384:
    case JwsAlgorithm::kES384:
    case JwsAlgorithm::kHS384:
      return sha384();
    case JwsAlgorithm::kRS512:
    case JwsAlgorithm::kHS512:
      return sha512();
    case JwsAlgorithm::kEdDSA:
      return nullptr;  // Ed25519 hashes internally
  }
  return nullptr;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// JWS carries ECDSA signatures as r||s, each the curve's size (RFC 7518 §3.4); OpenSSL
// verifies DER. Any other length (a DER signature included) is simply wrong.
bool ecdsa_raw_to_der(std::string_view raw, std::size_t coordinate, std::string& der) {
  if (raw.size() != 2 * coordinate) return false;
  EcdsaSig sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
  if (!sig) return false;
  BIGNUM* r = BN_bin2bn(bytes(raw), static_cast<int>(coordinate), nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + coordinate, static_cast<int>(coordinate), nullptr);
  if (!r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return false;
  der.resize(static_cast<std::size_t>(length));
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  return i2d_ECDSA_SIG(sig.get(), &out) == length;
}

bool digest_verify(EVP_PKEY* key, JwsAlgorithm alg, std::string_view input,
                   std::string_view signature) {
  MdCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest_for(alg), nullptr, key) != 1) {
    return false;
  }
  if (alg == JwsAlgorithm::kPS256 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, sha256()) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(input),
                          input.size()) == 1;
}

}  // namespace

bool VerificationKey::verify(JwsAlgorithm alg, std::string_view signing_input,
                             std::string_view signature) const {
  if (!usable_with(alg)) return false;
  switch (family_) {
    case KeyFamily::kHmac: {
      std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
      unsigned int length = 0;
      if (!HMAC(digest_for(alg), secret_.data(), static_cast<int>(secret_.size()),
                bytes(signing_input), signing_input.size(), mac.data(), &length)) {
        return false;
      }
      return signature.size() == length && CRYPTO_memcmp(mac.data(), signature.data(), length) == 0;
    }
    case KeyFamily::kEcP256:
    case KeyFamily::kEcP384: {
      std::string der;
      if (!ecdsa_raw_to_der(signature, family_ == KeyFamily::kEcP256 ? 32 : 48, der)) {
        return false;
      }
      return digest_verify(pkey_.get(), alg, signing_input, der);
    }
    case KeyFamily::kRsa:
      if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey_.get()))) {
        return false;
      }
      return digest_verify(pkey_.get(), alg, signing_input, signature);
    case KeyFamily::kEd25519:
      return signature.size() == 64 && digest_verify(pkey_.get(), alg, signing_input, signature);
  }
  return false;
}

}  // namespace upgate::auth
