// upgate::api::Caller: who an API request was judged to come from, as every step after
// authentication sees it: the profile rules, the planner (key templates that name the
// principal), the download rule, the rate limits and the audit line.
//
// A Caller is a plain value the request pipeline hands on (request_pipeline.hpp); the
// steps after it are pure functions of (caller, profile, request), so ownership rules
// need no I/O and no global state. An anonymous caller has no principal: either the
// deployment has no authentication (loopback, or allow_anonymous), the profile is a
// public drop box (`auth = "none"`), or the profile takes anonymous requests
// (`auth = "optional"`) and none was presented.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "upgate/api/media_type.hpp"
#include "upgate/auth/principal.hpp"

namespace upgate::api {

// Limits an authenticator narrowed for this caller (the forward-auth hook may answer
// `max_size` and `allowed_types`). They only ever narrow a profile's own: a size is
// the smaller of the two, and a type must be allowed by both.
struct CallerLimits {
  std::optional<std::uint64_t> max_size;
  std::optional<std::vector<MediaTypePattern>> allowed_types;

  bool allows_type(const MediaType& type) const;
  // The largest upload this caller may make under a profile allowing `profile_max` bytes.
  std::uint64_t max_size_under(std::uint64_t profile_max) const noexcept {
    return max_size && *max_size < profile_max ? *max_size : profile_max;
  }
};

struct Caller {
  auth::PrincipalPtr principal;  // null: anonymous
  auth::AuthMode mode = auth::AuthMode::kNone;
  CallerLimits limits;

  bool authenticated() const noexcept { return principal != nullptr; }
  // The principal's id; empty when anonymous.
  std::string_view id() const noexcept {
    return principal ? std::string_view(principal->id) : std::string_view();
  }
};

}  // namespace upgate::api
