// The credentials a request is signed with: an access key id (public, it travels
// in every URL), a secret key (never leaves the process) and, for temporary
// credentials, a session token (travels as X-Amz-Security-Token).
#pragma once

#include <string>
#include <string_view>

#include "upgate/sigv4/secret.hpp"

namespace upgate::sigv4 {

struct Credentials {
  std::string access_key_id;
  SecretKey secret_access_key;
  std::string session_token;  // empty for long-term keys

  bool valid() const { return !access_key_id.empty() && !secret_access_key.empty(); }
};

// An access key id a signer can put into a credential: 1-128 printable ASCII bytes
// without the scope's separator `/` or the Authorization header's `,` and `=` (MinIO
// refuses those two in access keys as well).
constexpr bool is_valid_access_key_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == ',' || c == '=') return false;
  }
  return true;
}

}  // namespace upgate::sigv4
