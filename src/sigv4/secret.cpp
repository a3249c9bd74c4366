// SecretKey's wiping destructor and its timing-safe comparison.
#include "upgate/sigv4/secret.hpp"

#include <openssl/crypto.h>

#include "upgate/sigv4/crypto.hpp"

namespace upgate::sigv4 {

SecretKey::~SecretKey() {
  // Growing to the capacity (no reallocation) makes every byte the string
  // owns addressable, so the wipe also covers what a shorter value left behind.
  secret_.resize(secret_.capacity());
  OPENSSL_cleanse(secret_.data(), secret_.size());
}

bool operator==(const SecretKey& a, const SecretKey& b) {
  return constant_time_equal(a.secret_, b.secret_);
}

}  // namespace upgate::sigv4
