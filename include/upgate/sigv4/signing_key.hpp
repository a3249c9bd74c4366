// SigV4 signing keys: kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date),
// region), service), "aws4_request"), and the credential scope they sign for.
//
// A key is valid for one secret, day, region and service, so a server signing
// all day derives it four HMACs once and reuses it: SigningKeyCache holds the
// derived keys, thread-safe, keyed by (secret, date, region, service). The cache
// stores the secret's fingerprint (a hash), never the secret.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/secret.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

// A region or service a signer puts into a credential scope: 1-128 of [A-Za-z0-9._-],
// so it holds neither the scope's `/` nor anything its encodings would change.
constexpr bool is_valid_scope_part(std::string_view part) noexcept {
  if (part.empty() || part.size() > 128) return false;
  for (const char c : part) {
    if (!text::is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// `YYYYMMDD/region/service/aws4_request`.
struct CredentialScope {
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;

  std::string to_string() const;  // date/region/service/aws4_request
};

// Appends date/region/service/aws4_request.
void append_credential_scope(std::string& out, std::string_view date, std::string_view region,
                             std::string_view service);

class SigningKey {
 public:
  SigningKey(const SecretKey& secret, std::string_view date, std::string_view region,
             std::string_view service);

  // hex(HMAC(kSigning, string_to_sign)): a SigV4 signature.
  std::string sign(std::string_view string_to_sign) const;
  // Appends the 64 hex digits to out_hex (no allocation when it has room).
  void sign_into(std::string_view string_to_sign, std::string& out_hex) const;
  Sha256Digest mac(std::string_view message) const { return key_.mac(message); }

 private:
  HmacKey key_;
  std::uint64_t id_;  // never reused in the process: names this key in per-thread memos
};

class SigningKeyCache {
 public:
  SigningKeyCache();
  ~SigningKeyCache();
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  // Derives on a miss; keeps a few recent keys per secret (yesterday's and
  // today's around midnight, several regions).
  std::shared_ptr<const SigningKey> get(const SecretKey& secret, std::string_view date,
                                        std::string_view region, std::string_view service);

  // The process-wide cache used when a caller does not bring its own.
  static SigningKeyCache& global();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace upgate::sigv4
