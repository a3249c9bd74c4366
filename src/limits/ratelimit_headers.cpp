// RateLimit-Policy, RateLimit and Retry-After values as Structured Fields.
#include "upgate/limits/ratelimit_headers.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace upgate::limits {
namespace {

constexpr std::uint64_t kMaxSfInteger = 999'999'999'999'999;

void append_sf_string(std::string& out, std::string_view value) {
  out += '"';
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u > 0x7e) {
      out += '?';
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_param(std::string& out, std::string_view name, std::uint64_t value) {
  out += ';';
  out += name;
  out += '=';
  out += std::to_string(std::min(value, kMaxSfInteger));
}

std::string_view quota_unit(LimitKind kind) {
  switch (kind) {
    case LimitKind::quota:
      return "content-bytes";
    case LimitKind::open_uploads:
      return "concurrent-requests";
    case LimitKind::rate:
      break;
  }
  return {};
}

}  // namespace

RateLimitFields ratelimit_fields(const Decision& decision) {
  RateLimitFields fields;
  for (const LimitState& state : decision.limits) {
    if (!fields.policy.empty()) fields.policy += ", ";
    append_sf_string(fields.policy, state.policy);
    append_param(fields.policy, "q", state.limit);
    if (const std::string_view unit = quota_unit(state.kind); !unit.empty()) {
      fields.policy += ";qu=\"";
      fields.policy += unit;
      fields.policy += '"';
    }
    if (state.window_seconds) append_param(fields.policy, "w", *state.window_seconds);

    if (!fields.ratelimit.empty()) fields.ratelimit += ", ";
    append_sf_string(fields.ratelimit, state.policy);
    append_param(fields.ratelimit, "r", state.remaining);
    if (state.reset_seconds) append_param(fields.ratelimit, "t", *state.reset_seconds);
  }
  if (!decision.allowed && decision.reason != Reason::store_unavailable) {
    fields.retry_after = std::to_string(decision.retry_after_seconds);
  }
  return fields;
}

}  // namespace upgate::limits
