// Names and sentences for decisions.
#include "upgate/limits/decision.hpp"

#include <upgate/config/units.hpp>
#include <upgate/limits/specs.hpp>

namespace upgate::limits {

std::string_view to_string(Reason reason) noexcept {
  switch (reason) {
    case Reason::within_limits:
      return "within_limits";
    case Reason::rate_limited:
      return "rate_limited";
    case Reason::too_many_open_uploads:
      return "too_many_open_uploads";
    case Reason::quota_exceeded:
      return "quota_exceeded";
    case Reason::store_unavailable:
      return "store_unavailable";
  }
  return "unknown";
}

std::string_view to_string(StoreErrorKind kind) noexcept {
  switch (kind) {
    case StoreErrorKind::unavailable:
      return "unavailable";
    case StoreErrorKind::connect:
      return "connect";
    case StoreErrorKind::auth:
      return "auth";
    case StoreErrorKind::timeout:
      return "timeout";
    case StoreErrorKind::closed:
      return "closed";
    case StoreErrorKind::protocol:
      return "protocol";
    case StoreErrorKind::server:
      return "server";
  }
  return "unknown";
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
