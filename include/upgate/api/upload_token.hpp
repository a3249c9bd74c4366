// upgate::api::UploadToken: the stateless binding between an upload upgate answered for
// and every later call about it (sign a part, list, complete, abort, verify completion).
//
// The token is an HMAC-SHA256, under a server secret, over what upgate decided when it
// issued the upload: the object key, the multipart uploadId (empty for a single upload),
// the principal it was issued to (empty for an anonymous caller), the profile, the
// declared size, Content-Type and checksum, and an expiry. upgate never trusts a `key` or
// `uploadId` from a client without a token that binds it, and needs no database for it,
// so several copies of `upgate serve` behind a load balancer accept each other's tokens
// when they share the secret.
//
// Promises:
// - Compact and URL-safe: `ut1.` then unpadded base64url of a length-prefixed binary
//   payload and the 32-byte MAC; it travels in a path segment, a query or JSON unescaped.
// - Rotation: the signer holds one or more secrets; it signs with the first and accepts a
//   token signed by any of them, so a new secret is put first, and the old one is removed
//   after the longest token life has passed.
// - Verification compares MACs in constant time, checks the MAC before it looks inside
//   the payload, bounds every length (the token is hostile input until the MAC matches)
//   and tells why it refused as a value (TokenRefusal), never by throwing.
// - Secrets never leave this class: not in a token, an error, a log line or a message
//   (they are held as sigv4::SecretKey, which prints as <redacted>).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/config/environment.hpp"
#include "upgate/expected.hpp"
#include "upgate/sigv4/crypto.hpp"

namespace upgate::api {

// What a token is for. Each purpose has its own prefix and its own MAC context, so a token
// made for one purpose never verifies as another (a session token is never an upload token).
enum class TokenPurpose : std::uint8_t {
  kUpload,   // `ut1.`: an upload (single or multipart), upload_token.hpp's claims
  kSession,  // `us1.`: an upload session for a principal (session_token.hpp)
};
// How long a token lives: long enough for a slow upload to finish and be completed.
inline constexpr std::chrono::seconds kDefaultUploadTokenLifetime{24 * 3600};

// What a token binds. Every field is covered by the MAC.
struct UploadClaims {
  std::string key;
  std::string upload_id;  // empty: a single (PUT or POST) upload
  std::string principal;  // empty: an anonymous caller
  std::string profile;
  std::uint64_t size = 0;    // the declared size in bytes
  std::string content_type;  // as upgate signed it
  std::string checksum;      // the declared checksum (e.g. base64 SHA-256); empty: none
  std::chrono::sys_seconds expires_at{};

  friend bool operator==(const UploadClaims&, const UploadClaims&) = default;
};

// Why a token was refused. The routes map each to a status and an error code.
enum class TokenRefusal : std::uint8_t {
  kMissing,            // no token presented
  kMalformed,          // not a token this version of upgate writes (shape, encoding, length)
  kBadSignature,       // altered, truncated, or signed by a secret upgate does not hold
  kExpired,            // past its expiry
  kPrincipalMismatch,  // issued to another principal (or to an anonymous caller)
  kKeyMismatch,        // the request names another key than the token binds
  kUploadMismatch,     // the request names another uploadId than the token binds
};

// "missing", "malformed", "bad_signature", "expired", "principal_mismatch",
// "key_mismatch", "upload_mismatch": the names error answers and metrics use.
std::string_view to_string(TokenRefusal refusal) noexcept;

// The part of a request a token must agree with. A nullopt field is not compared
// (e.g. a route that takes the key only from the token).
struct TokenBinding {
  std::string_view principal;  // the caller's id; empty when anonymous (always compared)
  std::optional<std::string_view> key;
  std::optional<std::string_view> upload_id;
};

class UploadTokenSigner {
 public:
  // Secrets shorter than this are refused: an HMAC key should carry at least the MAC's
  // strength, and a short one is guessable offline from a single token.
  static constexpr std::size_t kMinSecretBytes = 32;
  // A token longer than this is refused before it is decoded.
  static constexpr std::size_t kMaxTokenLength = 10240;
  // Field bounds, in bytes, applied when signing and when reading a verified payload.
  static constexpr std::size_t kMaxKeyBytes = 1024;  // S3's own key limit
  static constexpr std::size_t kMaxFieldBytes = 1024;

  // `secrets` in order of preference: the first signs, all verify. Fails when the list is
  // empty or a secret is shorter than kMinSecretBytes (the reason names its position,
  // never its value).
  static Expected<UploadTokenSigner, std::string> create(std::vector<std::string> secrets);

  // The secrets from the environment variable `variable`: one or more separated by
  // white space, the signing one first (how a rotation is rolled out).
  static Expected<UploadTokenSigner, std::string> from_environment(
      const config::Environment& environment, std::string_view variable);

  // A signer with one random secret, for a single `upgate serve` without a configured
  // secret: its tokens die with the process and no other copy accepts them.
  static UploadTokenSigner ephemeral();

  // The token for `claims`. Fails only when a field is longer than its bound.
  Expected<std::string, std::string> sign(const UploadClaims& claims,
                                          TokenPurpose purpose = TokenPurpose::kUpload) const;

  // The claims of an intact, unexpired token made for `purpose`, or why not.
  Expected<UploadClaims, TokenRefusal> verify(std::string_view token, std::chrono::sys_seconds now,
                                              TokenPurpose purpose = TokenPurpose::kUpload) const;

  // verify(), then the binding: the principal always, the key and uploadId when given.
  Expected<UploadClaims, TokenRefusal> verify_for(std::string_view token,
                                                  std::chrono::sys_seconds now,
                                                  const TokenBinding& binding) const;

  std::size_t secret_count() const noexcept { return keys_.size(); }

 private:
  explicit UploadTokenSigner(std::vector<sigv4::HmacKey> keys) : keys_(std::move(keys)) {}

  std::vector<sigv4::HmacKey> keys_;  // absorbed key schedules; the secrets are not kept
};

}  // namespace upgate::api
