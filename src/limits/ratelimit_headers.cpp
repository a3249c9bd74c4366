// RateLimit-Policy, RateLimit and Retry-After values as Structured Fields.
#include "upgate/limits/ratelimit_headers.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace upgate::limits {
namespace {

constexpr std::uint64_t kMaxSfInteger = 999'999'999'999'999;

bool plain_sf_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u <= 0x7e && c != '"' && c != '\\';
}

void append_sf_string(std::string& out, std::string_view value) {
  out += '"';
  if (std::all_of(value.begin(), value.end(), plain_sf_char)) {
    out += value;  // the usual case: a policy name needs no escape
  } else {
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
  }
  out += '"';
}

void append_param(std::string& out, std::string_view name, std::uint64_t value) {
  out += ';';
  out += name;
  out += '=';
  std::array<char, 20> digits{};
  const auto end =
      std::to_chars(digits.data(), digits.data() + digits.size(), std::min(value, kMaxSfInteger))
          .ptr;
  out.append(digits.data(), end);
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
  // One allocation each: a member is at most the policy name and ~60 bytes of parameters.
  std::size_t names = 0;
  for (const LimitState& state : decision.limits) names += state.policy.size();
  fields.policy.reserve(names + 64 * decision.limits.size());
  fields.ratelimit.reserve(names + 48 * decision.limits.size());
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
