// upgate::api::AuthOutcome: what authenticating one request came to (auth_chain.hpp):
// a caller, no credentials at all (the profile's rule decides), or a refusal ready to be
// answered, audited and counted. Refusals hold only what is safe to show: fixed sentences,
// configuration names and the app's own message, never a token, a cookie or a claim.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "upgate/api/api_error.hpp"
#include "upgate/api/caller.hpp"
#include "upgate/auth/principal.hpp"

namespace upgate::api {

// Why a request was not let through, ready to answer and to audit.
struct AuthFailure {
  ErrorCode code = ErrorCode::invalid_credentials;  // its status is http_status(code)
  std::string message;                              // safe to show and log
  std::string_view reason;       // stable: an auth::AuthCheck code, or hook_* (below)
  std::string www_authenticate;  // the header's value, or empty
  std::string internal_detail;   // for the log only (why the hook is unavailable)
};

// The hook's reasons, beside the auth library's AuthCheck codes.
inline constexpr std::string_view kHookRefused = "hook_refused";          // it answered 401
inline constexpr std::string_view kHookForbidden = "hook_forbidden";      // it answered 403
inline constexpr std::string_view kHookUnavailable = "hook_unavailable";  // no usable answer
inline constexpr std::string_view kHookTimeout = "hook_timeout";          // no answer in time

// 401 authentication_required with `WWW-Authenticate: Bearer realm="upgate"`.
AuthFailure authentication_required();

struct AuthOutcome {
  enum class Kind : std::uint8_t { accepted, no_credentials, refused };
  Kind kind = Kind::no_credentials;
  auth::AuthMode mode = auth::AuthMode::kNone;  // the mode that judged (not no_credentials)
  Caller caller;                                // accepted
  AuthFailure failure;                          // refused
};

}  // namespace upgate::api
