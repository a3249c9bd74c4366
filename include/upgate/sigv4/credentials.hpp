// The credentials a request is signed with: an access key id (public, it travels
// in every URL), a secret key (never leaves the process) and, for temporary
// credentials, a session token (travels as X-Amz-Security-Token).
#pragma once

#include <string>

#include "upgate/sigv4/secret.hpp"

namespace upgate::sigv4 {

struct Credentials {
  std::string access_key_id;
  SecretKey secret_access_key;
  std::string session_token;  // empty for long-term keys

  bool valid() const { return !access_key_id.empty() && !secret_access_key.empty(); }
};

}  // namespace upgate::sigv4
