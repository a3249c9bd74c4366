// SecretKey: an AWS secret access key that cannot leak by accident.
//
// It has no operator<<, no implicit conversion and no to_string; the only way
// to read it is `reveal()`, which the signing-key derivation calls. Its memory
// is wiped on destruction. Everything that prints credentials prints
// `redacted()` instead.
#pragma once

#include <string>
#include <string_view>

#include "upgate/sigv4/crypto.hpp"

namespace upgate::sigv4 {

class SecretKey {
 public:
  SecretKey() = default;
  explicit SecretKey(std::string secret);
  SecretKey(const SecretKey&) = default;
  SecretKey(SecretKey&& other) noexcept;  // leaves `other` empty
  // Assignments wipe the value they replace before taking the new one.
  SecretKey& operator=(const SecretKey& other);
  SecretKey& operator=(SecretKey&& other) noexcept;
  ~SecretKey();

  bool empty() const { return secret_.empty(); }
  std::string_view reveal() const { return secret_; }
  static constexpr std::string_view redacted() { return "<redacted>"; }

  // SHA-256 of the secret, computed once when it is set: what names the secret in
  // SigningKeyCache, which never holds the secret itself (a hash of a
  // high-entropy key reveals nothing usable). All zero for a default-made key.
  const Sha256Digest& fingerprint() const { return fingerprint_; }

  friend bool operator==(const SecretKey& a, const SecretKey& b);

 private:
  std::string secret_;
  Sha256Digest fingerprint_{};
};

}  // namespace upgate::sigv4
