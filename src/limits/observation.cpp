// Turning what a backend saw into the Decision the API answers with.
#include "observation.hpp"

#include <upgate/limits/gcra.hpp>

#include <algorithm>
#include <utility>

namespace upgate::limits::detail {

Decision make_decision(const Admission& admission, const Observation& seen) {
  const std::int64_t now = seen.now_us;
  Decision decision;
  decision.reason = seen.reason;
  decision.allowed = seen.reason == Reason::within_limits;
  decision.decided_at = std::chrono::microseconds(now);
  decision.limits.reserve(admission.rates.size() + 2);
  std::int64_t retry_us = 0;

  for (std::size_t i = 0; i < admission.rates.size(); ++i) {
    const RateCheck& check = admission.rates[i];
    const gcra::Bucket bucket{check.spec.emission_interval().count(),
                              check.spec.capacity().count()};
    const std::int64_t tat = seen.rate_tats[i];
    LimitState state{
        .policy = check.policy,
        .kind = LimitKind::rate,
        .limit = check.spec.count,
        .window_seconds = static_cast<std::uint64_t>(check.spec.period.count()),
        .remaining = static_cast<std::uint64_t>(bucket.remaining(now, tat)),
        .reset_seconds = static_cast<std::uint64_t>(gcra::ceil_seconds(tat - now)),
    };
    if (seen.reason == Reason::rate_limited && !bucket.allows(now, tat)) {
      const std::int64_t wait = std::max<std::int64_t>(1, bucket.wait_us(now, tat));
      state.refused = true;
      state.reset_seconds = static_cast<std::uint64_t>(gcra::ceil_seconds(wait));
      retry_us = std::max(retry_us, wait);
    }
    decision.limits.push_back(std::move(state));
  }

  if (const auto& check = admission.open_upload) {
    const std::uint32_t open = std::min(seen.open_uploads, check->spec.max);
    LimitState state{
        .policy = check->policy,
        .kind = LimitKind::open_uploads,
        .limit = check->spec.max,
        .window_seconds = std::nullopt,
        .remaining = check->spec.max - open,
        .reset_seconds = std::nullopt,
    };
    if (seen.reason == Reason::too_many_open_uploads) {
      const std::int64_t wait = std::max<std::int64_t>(1, seen.earliest_upload_expiry_us - now);
      state.refused = true;
      state.reset_seconds = static_cast<std::uint64_t>(gcra::ceil_seconds(wait));
      retry_us = wait;
    }
    decision.limits.push_back(std::move(state));
  }

  if (const auto& check = admission.quota) {
    const std::int64_t window_s = check->spec.window.count();
    const std::int64_t window_end_us =
        (seen.quota_window_start_s + window_s) * gcra::kMicrosPerSecond;
    const std::uint64_t used = std::min(seen.quota_used, check->spec.bytes);
    const std::int64_t until_end = std::max<std::int64_t>(1, window_end_us - now);
    LimitState state{
        .policy = check->policy,
        .kind = LimitKind::quota,
        .limit = check->spec.bytes,
        .window_seconds = static_cast<std::uint64_t>(window_s),
        .remaining = check->spec.bytes - used,
        .reset_seconds = static_cast<std::uint64_t>(gcra::ceil_seconds(until_end)),
    };
    if (seen.reason == Reason::quota_exceeded) {
      state.refused = true;
      retry_us = until_end;
    }
    decision.limits.push_back(std::move(state));
  }

  if (!decision.allowed) {
    decision.retry_after_seconds = static_cast<std::uint64_t>(gcra::ceil_seconds(retry_us));
  }
  return decision;
}

Decision store_error_decision(bool allow, StoreError error) {
  Decision decision;
  decision.allowed = allow;
  decision.reason = Reason::store_unavailable;
  decision.store_error = std::move(error);
  return decision;
}

}  // namespace upgate::limits::detail
