// upgate::auth API keys: the [auth.api_keys] mode, for servers and scripts.
//
// A key is "upk_" followed by 32 random bytes in base64url (47 characters), sent as
// `Authorization: Bearer upk_…` or `X-Api-Key: upk_…`. It is shown once, when created,
// and stored only as its SHA-256. A plain hash is the right tool here and a password hash
// (bcrypt, argon2) is not: those slow down guessing of low-entropy human passwords, but a
// 256-bit random secret cannot be guessed however fast the hash is, and a deliberately
// slow hash on every API request would cost the API its speed for no security.
//
// The keys file (keys_file) is JSON Lines: one key a line, blank lines and lines starting
// with '#' ignored:
//   {"id":"k_3f9a1c2b7d4e","principal":"ci-bot","profiles":["avatars"],
//    "created":"2024-05-01T12:00:00Z","sha256":"<64 lowercase hex digits>"}
// (one line in the file). "profiles" lists the upload profiles the key may use; ["*"]
// means all of them. A line per key is what an operator can read, diff, and delete to
// revoke one key; an error names its line. The id is public (audit lines carry it).
//
// The file is read whole at start-up (at most 4 MiB, 10000 keys), and refused when it is
// writable by group or others (whoever can write it can mint keys). Lookup hashes the
// presented key and compares it with every record's hash in constant time, without
// stopping at a match, so timing says nothing about which key, or whether any, matched.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/auth/auth_refusal.hpp"
#include "upgate/expected.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/secret.hpp"

namespace upgate::auth {

inline constexpr std::string_view kApiKeyPrefix = "upk_";

// Whether `text` has the shape of an API key (the prefix, then 43 base64url characters
// that decode to 32 bytes). The API routes bearer tokens with this shape to API keys.
bool is_api_key_format(std::string_view text) noexcept;

struct ApiKeyRecord {
  std::string id;                     // "k_" + 12 hex digits
  std::string principal;              // 1..256 bytes of printable UTF-8, no control characters
  std::vector<std::string> profiles;  // non-empty; "*" alone means every profile
  std::chrono::sys_seconds created{};
  sigv4::Sha256Digest sha256{};

  bool allows_profile(std::string_view profile) const noexcept;
};

class ApiKeyStore {
 public:
  ApiKeyStore() = default;
  // From the keys file's text; the error names the line.
  static Expected<ApiKeyStore, std::string> parse(std::string_view text);
  static Expected<ApiKeyStore, std::string> load(const std::filesystem::path& keys_file);

  const std::vector<ApiKeyRecord>& records() const noexcept { return records_; }

  // The principal (mode kApiKey, claims {"api_key_id": id, "profiles": [...]}) for a
  // presented key, or kUnknownApiKey (401). With a profile, a key not issued for it is
  // kProfileNotAllowed (403).
  AuthResult authenticate(std::string_view presented,
                          std::optional<std::string_view> profile = std::nullopt) const;

 private:
  std::vector<ApiKeyRecord> records_;
  std::vector<PrincipalPtr> principals_;  // one per record, made once
};

struct NewApiKey {
  std::string principal;
  std::vector<std::string> profiles;  // empty means every profile ("*")
};

struct CreatedApiKey {
  ApiKeyRecord record;
  sigv4::SecretKey secret;  // the upk_… string, to print once
};

// `upgate apikey create`: adds one key to keys_file (created when missing) and returns its
// secret. The new file is written beside the old one, fsynced, renamed over it and the
// directory fsynced, with mode 0600; an flock on "<keys_file>.lock" keeps two concurrent
// creations from losing one. An existing file that does not parse is left alone and the
// error says why.
Expected<CreatedApiKey, std::string> create_api_key(const std::filesystem::path& keys_file,
                                                    const NewApiKey& request,
                                                    std::chrono::sys_seconds now);

}  // namespace upgate::auth
