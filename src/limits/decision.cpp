// Names and sentences for decisions.
#include "upgate/limits/decision.hpp"

#include <upgate/config/units.hpp>
#include <upgate/enum_names.hpp>
#include <upgate/limits/specs.hpp>

namespace upgate::limits {

constexpr std::string_view kReasonNames[] = {"within_limits", "rate_limited",
                                             "too_many_open_uploads", "quota_exceeded",
                                             "store_unavailable"};
static_assert(names_through(kReasonNames, Reason::store_unavailable));

std::string_view to_string(Reason reason) noexcept {
  return name_at(kReasonNames, reason, "unknown");
}

constexpr std::string_view kStoreErrorKindNames[] = {"unavailable", "connect",  "auth",  "timeout",
                                                     "closed",      "protocol", "server"};
static_assert(names_through(kStoreErrorKindNames, StoreErrorKind::server));

std::string_view to_string(StoreErrorKind kind) noexcept {
  return name_at(kStoreErrorKindNames, kind, "unknown");
}

const LimitState* Decision::refusing_limit() const noexcept {
  for (const LimitState& state : limits) {
    if (state.refused) return &state;
  }
  return nullptr;
}

std::string describe_limit(const LimitState& state) {
  const std::string_view per =
      state.window_seconds ? period_name(std::chrono::seconds(*state.window_seconds)) : "period";
  switch (state.kind) {
    case LimitKind::rate:
      return std::to_string(state.limit) + (state.limit == 1 ? " request per " : " requests per ") +
             std::string(per);
    case LimitKind::quota:
      return config::format_byte_size(state.limit) + " per " + std::string(per);
    case LimitKind::open_uploads:
      return "at most " + std::to_string(state.limit) + " at once";
  }
  return {};
}

std::string refusal_message(const Decision& decision) {
  if (decision.allowed) return {};
  if (decision.reason == Reason::store_unavailable) {
    return "upload limits are unavailable; retry later";
  }
  const LimitState* state = decision.refusing_limit();
  std::string_view what = "limit exceeded";
  if (decision.reason == Reason::rate_limited) what = "rate limit exceeded";
  if (decision.reason == Reason::quota_exceeded) what = "upload quota exceeded";
  if (decision.reason == Reason::too_many_open_uploads) what = "too many open uploads";
  std::string message(what);
  if (state != nullptr) {
    message += ": " + describe_limit(*state) + " (policy \"" + state->policy + "\")";
  }
  message += "; retry in " + std::to_string(decision.retry_after_seconds) + " s";
  return message;
}

}  // namespace upgate::limits
