// The IETF RateLimit header fields of a Decision, and Retry-After.
//
// draft-ietf-httpapi-ratelimit-headers-11 (May 2026) defines two Structured Fields
// (RFC 9651) Lists, one member per quota policy, named by an sf-string:
//
//   RateLimit-Policy: "avatars";q=60;w=60, "avatars-uploads";q=5;qu="concurrent-requests",
//                     "avatars-quota";q=10737418240;qu="content-bytes";w=86400
//   RateLimit: "avatars";r=59;t=1, "avatars-uploads";r=4, "avatars-quota";r=10737418240;t=3600
//   Retry-After: 12                                      (refusals only, delay-seconds)
//
// (the field values are single lines; wrapped here for reading). q is the quota (requests
// per w seconds for a rate, bytes per window for a quota, open uploads at once), qu its
// unit when it is not "requests", r what remains, t the effective window in seconds (see
// decision.hpp for what each limit reports). The draft's partition key (pk) is left out:
// our keys carry principal ids and client addresses, which the draft says not to expose.
//
// Retry-After is never earlier than the refusing policy's t, as the draft asks. Integers
// above the 15 digits of an sf-integer are written as 999999999999999. Policy names are
// sf-strings: '"' and '\' are escaped, bytes outside printable ASCII become '?'.
// A Decision without limits (store_unavailable) gives empty values: send no such field.
#pragma once

#include <upgate/limits/decision.hpp>

#include <optional>
#include <string>

namespace upgate::limits {

struct RateLimitFields {
  std::string policy;                      // RateLimit-Policy
  std::string ratelimit;                   // RateLimit
  std::optional<std::string> retry_after;  // Retry-After
};

RateLimitFields ratelimit_fields(const Decision& decision);

}  // namespace upgate::limits
