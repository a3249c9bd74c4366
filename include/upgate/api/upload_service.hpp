// UploadService: the upload API's answers, from request bytes to response values.
//
// No sockets here: a route hands over the Content-Type header and the body (or the
// query), and gets back values. The HTTP layer (api_server.hpp, request_pipeline.hpp)
// only translates, so every answer can be exercised directly. A request goes through it
// in two halves, with authentication between them (request_pipeline.hpp):
//   read_upload / read_download  the request's own checks (Content-Type, JSON, fields,
//                                key shape), before anyone is asked who sent it;
//   resolve                      the profile (and folder) the request is for;
//   presign_upload / _download   for an admitted caller: plan (upload_plan.hpp) or the
//                                download rule (download_rule.hpp), sign, render.
//
// Two error styles, both with `"ok":false`:
//   seed route  {"ok":false,"error":"Missing required
//   fields","code":"missing_field","field":"fileName"}
//               (`error` stays a string: the seed's client shows it as is)
//   /v1/...     {"ok":false,"error":{"code":"missing_field","message":"...","field":"fileName"}}
// Authentication refusals add "reason" (the failed check, e.g. "expired") beside "code".
// A signing failure is 500 "Failed to generate presigned URL"; its detail goes to
// `internal_detail` for the log, never to the client.
//
// Temporary credentials cap every URL: it is signed for min(the profile's lifetime, what
// remains of the credentials), and `expiresAt` / `expiresIn` say the true time. When less
// than kMinUsefulUrlLifetime (30 s) of them remains, the answer is 503
// credentials_unavailable instead of a URL that would die in flight.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/api/api_error.hpp"
#include "upgate/api/caller.hpp"
#include "upgate/api/profile_set.hpp"
#include "upgate/api/upload_intent.hpp"
#include "upgate/api/upload_plan.hpp"
#include "upgate/api/upload_request.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/config/refreshing_credentials.hpp"
#include "upgate/config/s3_target.hpp"
#include "upgate/sigv4/post_policy.hpp"
#include "upgate/sigv4/signing_key.hpp"

namespace upgate::api {

// upload_state: an answer about an upload that issues no URL (multipart list, complete,
// abort).
enum class ReplyKind : std::uint8_t { upload_url, download_url, upload_state, error };

struct ApiReply {
  int status = 200;
  std::string body;  // JSON
  ReplyKind kind = ReplyKind::error;
  const UploadProfile* profile = nullptr;
  std::string key;
  std::optional<ErrorCode> error;
  std::string internal_detail;                         // for the log only
  std::optional<std::chrono::sys_seconds> expires_at;  // of the URL issued
  std::string www_authenticate;                        // for 401 (and some 403) answers
};

// companion: the shape Uppy's Companion answers with, {"error":"<code>","message":"..."}
// (plus "field"/"reason" when known), for the /s3/ routes.
enum class ErrorStyle : std::uint8_t { seed, v1, companion };

class UploadService {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;

  // `profiles`, `target` and `credentials` must outlive the service. With `credentials`,
  // URLs are signed with its current() snapshot; without, with target.credentials (and
  // target.credentials_expiration).
  UploadService(const ProfileSet& profiles, const config::S3Target& target, Clock clock = {},
                const config::RefreshingCredentials* credentials = nullptr);

  // POST /api/s3/getPresignedUrl and POST /v1/uploads. `content_type` is the request's
  // Content-Type header (nullopt when absent).
  Expected<UploadRequest, ApiReply> read_upload(UploadRoute route,
                                                std::optional<std::string_view> content_type,
                                                std::string_view body) const;
  // GET /v1/downloads?key=...; `query` is the raw query string. The key, well formed.
  Expected<std::string, ApiReply> read_download(std::string_view query) const;
  // The profile an intent is for: by name (uploads) or by key (downloads).
  Expected<ResolvedProfile, ApiReply> resolve(const UploadIntent& intent) const;

  // With `tokens`, the answer carries `uploadToken` (upload_token.hpp): the binding of the
  // key, the caller, the profile and the declaration that POST /v1/uploads/complete
  // verifies the stored object against. The seed's client ignores the extra field.
  ApiReply presign_upload(UploadRoute route, const UploadRequest& request,
                          const ResolvedProfile& profile, const Caller& caller,
                          const UploadTokenSigner* tokens = nullptr) const;
  ApiReply presign_download(std::string key, const ResolvedProfile& profile,
                            const Caller& caller) const;

  // An error answer in the given style (also for errors found by the HTTP layer, such as
  // a body over the limit).
  static ApiReply error_reply(ErrorStyle style, ApiError error);
  // An upload_state answer about `key`, its body still to write.
  static ApiReply state_reply(std::string key);

  const ProfileSet& profiles() const { return profiles_; }
  const config::S3Target& target() const { return target_; }
  std::chrono::sys_seconds now() const { return clock_(); }

  // A URL for `request` (method, key, headers, query) in the target's bucket, valid for
  // `requested` capped by the credentials' life as every URL is; the refusal (503
  // credentials_unavailable, 500 internal_error) as a v1 answer. For routes that sign
  // more than one URL per call (multipart parts).
  Expected<sigv4::PresignedUrl, ApiReply> presign(sigv4::PresignRequest request,
                                                  std::chrono::seconds requested,
                                                  const UploadProfile* profile) const;
  // A browser form (S3 POST Object) for `request` in the target's bucket, valid like a URL
  // for `requested` capped by the credentials' life; refusals as presign()'s.
  Expected<sigv4::PresignedPost, ApiReply> presign_post(sigv4::PresignPostRequest request,
                                                        std::chrono::seconds requested,
                                                        const UploadProfile* profile) const;
  // The credentials URLs are signed with now, for upgate's own S3 calls (multipart).
  sigv4::Credentials current_credentials() const;

 private:
  const ProfileSet& profiles_;
  // The credentials to sign with at one instant: a snapshot kept alive while in use.
  struct Signer {
    std::shared_ptr<const config::AwsCredentials> held;
    const sigv4::Credentials* credentials = nullptr;
    std::optional<std::chrono::sys_seconds> expiration;
  };
  Signer signer() const;
  // The URL lifetime for `requested` at `now`, or the 503 answer when none is useful.
  Expected<std::chrono::seconds, ApiReply> url_lifetime(ErrorStyle style, const Signer& signer,
                                                        std::chrono::seconds requested,
                                                        std::chrono::sys_seconds now) const;
  // `request` signed for the target's bucket; a failure is the internal_error answer,
  // with the signer's reason kept for the log only.
  Expected<sigv4::PresignedUrl, ApiReply> sign(sigv4::PresignRequest request, const Signer& signer,
                                               ErrorStyle style,
                                               const UploadProfile* profile) const;

  const config::S3Target& target_;
  Clock clock_;
  const config::RefreshingCredentials* credentials_;
  mutable sigv4::SigningKeyCache signing_keys_;
};

// True for `application/json`, with optional parameters, in any case.
bool is_json_media_type(std::string_view content_type);

}  // namespace upgate::api
