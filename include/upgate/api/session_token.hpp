// upgate::api::SessionToken: an upload session, minted for an authenticated principal by
// `POST /v1/sessions`, that a page which cannot send headers (Uppy's @uppy/aws-s3 with
// `companionEndpoint = ".../v1/sessions/{token}"`) presents in the URL's path instead.
//
// The token says: "until `expires_at`, whoever holds this may upload as `principal`, with
// these string claims, through profile `profile`". It is stateless like the upload token
// (upload_token.hpp, whose signer, secrets and rotation it shares) but made for its own
// purpose (TokenPurpose::kSession: its own prefix `us1.` and MAC context), so a session
// token is never accepted as an upload token, nor the other way round.
//
// Promises:
// - A session admits exactly one profile: the one the principal was admitted to when the
//   session was minted (its auth rule, API-key profile list and hook were judged then).
// - It carries the principal's id and its string claims (what key templates can use,
//   `{claim.NAME}`), at most kMaxClaimBytes of them as compact JSON; a principal with
//   more string claims than that is refused a session rather than given a partial one.
// - Limits the forward-auth hook narrowed for the minting request are not carried: a
//   deployment that narrows per request keeps the cookie way (docs/API.md says so).
// - A session is short-lived (default 1 h, at most 24 h) and cannot be revoked before it
//   expires: it is a bearer credential in a URL, so pages should mint it per visit.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "upgate/api/caller.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

inline constexpr std::chrono::seconds kDefaultSessionLifetime{3600};
inline constexpr std::chrono::seconds kMaxSessionLifetime{24 * 3600};

struct UploadSession {
  Caller caller;        // the principal (null: an anonymous session) and its mode
  std::string profile;  // the profile name the session was admitted to
  std::chrono::sys_seconds expires_at{};
};

class SessionTokens {
 public:
  static constexpr std::size_t kMaxClaimBytes = UploadTokenSigner::kMaxKeyBytes;

  explicit SessionTokens(const UploadTokenSigner& signer) : signer_(signer) {}

  // The token for `caller` on `profile` until `expires_at`; fails when the caller's
  // string claims do not fit (the reason is safe to show: it names no claim value).
  Expected<std::string, std::string> mint(const Caller& caller, std::string_view profile,
                                          std::chrono::sys_seconds expires_at) const;

  // The session of an intact, unexpired session token, or why not.
  Expected<UploadSession, TokenRefusal> open(std::string_view token,
                                             std::chrono::sys_seconds now) const;

 private:
  const UploadTokenSigner& signer_;
};

}  // namespace upgate::api
