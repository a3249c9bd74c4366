// SecretKey's wiping destructor and its timing-safe comparison.
#include "upgate/sigv4/secret.hpp"

#include <openssl/crypto.h>

#include "upgate/sigv4/crypto.hpp"

namespace upgate::sigv4 {

namespace {

// Growing to the capacity (no reallocation) makes every byte the string owns
// addressable, so the wipe also covers what a shorter value left behind.
void wipe(std::string& s) {
  s.resize(s.capacity());
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace

SecretKey::SecretKey(std::string secret)
    : secret_(std::move(secret)), fingerprint_(sha256(secret_)) {}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : secret_(std::move(other.secret_)), fingerprint_(other.fingerprint_) {
  wipe(other.secret_);
  other.fingerprint_ = {};
}

SecretKey::~SecretKey() {
  wipe(secret_);
}

SecretKey& SecretKey::operator=(const SecretKey& other) {
  if (this != &other) {
    wipe(secret_);
    secret_ = other.secret_;
    fingerprint_ = other.fingerprint_;
  }
  return *this;
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    wipe(secret_);
    secret_ = std::move(other.secret_);
    fingerprint_ = other.fingerprint_;
    wipe(other.secret_);
    other.fingerprint_ = {};
  }
  return *this;
}

bool operator==(const SecretKey& a, const SecretKey& b) {
  return constant_time_equal(a.secret_, b.secret_);
}

}  // namespace upgate::sigv4
