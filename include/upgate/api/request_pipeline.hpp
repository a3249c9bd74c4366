// upgate::api::RequestPipeline: the one way every route that issues a URL goes, so that
// no route can sign for someone it has not judged:
//
//   begin   the runtime snapshot this request uses from start to end (api_runtime.hpp)
//   (the route reads its request: Content-Type, body or query → UploadIntent)
//   admit   profile → authenticate (the modes in order, auth_chain.hpp) → principal →
//           the profile's `auth` rule → the limits (api_limiter.hpp: one admission for
//           the caller's principal, or its client address when anonymous) → the Caller
//   (a multipart create: admit_upload once S3 named the upload, its slot and quota;
//   complete and abort: release_upload; multipart_routes.hpp)
//   (the route plans and signs for that Caller: UploadService)
//   answer  audit line → metrics → access-log note → CORS → the response
//
// A route is then:
//   ApiCall call = pipeline.begin(ex, ApiRoute::uploads);
//   auto request = call.runtime->service().read_upload(...);     // refusal: answer() it
//   call.intent = ...;                                            // what it asks for
//   if (auto admitted = co_await pipeline.admit(ex, call); !admitted)
//     co_return co_await pipeline.answer(ex, call, std::move(admitted).error());
//   co_await pipeline.answer(ex, call, service.presign_upload(..., call.profile, *call.caller));
//
// admit() decides, for the profile the intent resolves to:
//   - an upload session's caller (ApiCall::session): that caller, credentials not looked at;
//   - no authentication mode configured, or the profile's auth = "none": an anonymous
//     caller, credentials not looked at;
//   - else the chain's verdict: a caller; a refusal (401/403/503, with WWW-Authenticate);
//     or no credentials, which "required" (the default) refuses with 401
//     authentication_required and "optional" lets through as anonymous;
//   - a request whose profile does not resolve is authenticated as "required" before it
//     learns why (an anonymous client cannot probe which profiles exist).
// Every outcome is counted per mode and decision (metrics.hpp). Blocking work (a JWKS
// fetch for an unknown kid) runs on the blocking pool; the hook is asked asynchronously.
//
// answer() writes one audit line (audit_log.hpp) per call, issued or refused, when the
// logs are on; a reply's internal_detail goes to the log as an error (a signing failure)
// or, for an unavailable authenticator, as a warning at most once per second.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "upgate/api/api_limiter.hpp"
#include "upgate/api/api_runtime.hpp"
#include "upgate/api/caller.hpp"
#include "upgate/api/log_throttle.hpp"
#include "upgate/api/metrics.hpp"
#include "upgate/api/profile_set.hpp"
#include "upgate/api/upload_intent.hpp"
#include "upgate/api/upload_limits.hpp"
#include "upgate/api/upload_request.hpp"
#include "upgate/api/upload_service.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/exchange.hpp"
#include "upgate/limits/ratelimit_headers.hpp"

namespace upgate::api {

// One API request on its way through the pipeline: what is known so far.
struct ApiCall {
  std::shared_ptr<const ApiRuntime> runtime;  // taken once, by begin()
  UploadIntent intent;
  ErrorStyle style = ErrorStyle::v1;
  ResolvedProfile profile;       // set by admit()
  std::optional<Caller> caller;  // set by admit() when let through
  // An upload session's caller (session_token.hpp), set by the route from the token in its
  // path: admit() takes it as judged (it was, when the session was minted) instead of
  // asking the authentication chain. The route checks the session's profile.
  std::optional<Caller> session;
  // Uppy's form (GET /s3/params) signs one upload: the limits count it as /v1/uploads does
  // (an open-upload slot and the quota), with the most bytes its policy lets through, since
  // Uppy declares no size. Set by the route before admit().
  bool form_upload = false;
  auth::AuthMode judged_by = auth::AuthMode::kNone;  // the mode that gave the verdict
  std::string_view auth_reason;  // a refusal's failed check ("expired"), for the audit line
  // The RateLimit fields of the limits admit() checked, for the answer (allowed or not).
  std::optional<limits::RateLimitFields> rate_limit;
};

// What the access line of a request adds (api_server.cpp's observer takes it).
struct AccessNote {
  std::string request_id;
  std::string profile;
  std::string key;
  std::string_view error;
  std::string remote;
};
// The note answer() left for this request on this I/O thread, if any.
std::optional<AccessNote> take_access_note(std::string_view request_id);

class RequestPipeline {
 public:
  struct Logs {
    std::shared_ptr<spdlog::logger> logger;  // null: no logs at all
    bool access_log = true;
    bool audit = true;
  };

  RequestPipeline(std::shared_ptr<const ApiRuntime> runtime, ApiMetrics& metrics, Logs logs);

  // The current snapshot, and its replacement (thread-safe; see api_runtime.hpp).
  std::shared_ptr<const ApiRuntime> runtime() const noexcept;
  void replace_runtime(std::shared_ptr<const ApiRuntime> runtime) noexcept;

  // The limiter admit() asks (null: no limits). Set before serving; it must outlive the
  // pipeline's requests.
  void set_limiter(ApiLimiter* limiter) noexcept { limiter_ = limiter; }

  ApiCall begin(const http::Exchange& exchange, ApiRoute route) const;
  boost::asio::awaitable<Expected<void, ApiReply>> admit(http::Exchange& exchange,
                                                         ApiCall& call) const;
  // A multipart upload S3 has just created for the caller admit() let through, named by
  // S3's `upload_id`: its open-upload slot, held for `ttl` (the upload token's life) or
  // until release_upload(), and `bytes` against the quota, in one admission (the create
  // call's rates were counted by admit()). nullopt when admitted (or no such limit
  // applies); else the refusal (429, or 503 limits_unavailable), its RateLimit fields
  // added to the call's. The caller aborts the upload it refuses.
  boost::asio::awaitable<std::optional<ApiReply>> admit_upload(http::Exchange& exchange,
                                                               ApiCall& call,
                                                               std::string_view upload_id,
                                                               std::uint64_t bytes,
                                                               std::chrono::seconds ttl) const;
  // Frees the open-upload slot of a multipart upload that has ended (completed or
  // aborted), under the key admit_upload() took it: the token's principal and profile.
  boost::asio::awaitable<void> release_upload(const http::Exchange& exchange, const ApiCall& call,
                                              const UploadClaims& claims) const;
  boost::asio::awaitable<void> answer(http::Exchange& exchange, const ApiCall& call,
                                      ApiReply reply) const;
  // The body of a JSON POST (Content-Type application/json, at most `limit` bytes), or
  // nullopt after the refusal was answered in the call's error style (415, 413) or when
  // the connection is gone. The Content-Type is judged before the body is read, so a
  // refused body is never invited.
  boost::asio::awaitable<std::optional<std::string>> read_json_body(
      http::Exchange& exchange, const ApiCall& call,
      std::size_t limit = kMaxRequestBodyBytes) const;

 private:
  void log_detail(const http::Exchange& exchange, const ApiReply& reply) const;
  // What admit() asks of the limits for an admitted caller.
  UploadAdmissionRequest limits_request(const http::Exchange& exchange, const ApiCall& call) const;
  // Who the call counts against: its caller's principal, or its client address.
  LimitSubject limit_subject(const http::Exchange& exchange, const ApiCall& call) const;
  // One admission: the call's RateLimit fields, and the refusal when it says no. decide()
  // awaits any backend; decide_now() is the in-memory one's, without a coroutine frame.
  boost::asio::awaitable<std::optional<ApiReply>> decide(
      ApiCall& call, const UploadAdmissionRequest& wanted) const;
  std::optional<ApiReply> decide_now(ApiCall& call, const UploadAdmissionRequest& wanted) const;
  // A decision's RateLimit fields, added to the call's, and its refusal when it refused.
  std::optional<ApiReply> settle(ApiCall& call, const limits::Decision& decision) const;
  void audit(const http::Exchange& exchange, const ApiCall& call, const ApiReply& reply) const;

  std::atomic<std::shared_ptr<const ApiRuntime>> runtime_;
  ApiMetrics& metrics_;
  ApiLimiter* limiter_ = nullptr;
  Logs logs_;
  std::shared_ptr<spdlog::logger> audit_logger_;  // the logger's sinks, always at info
  mutable LogThrottle unavailable_log_;
};

}  // namespace upgate::api
