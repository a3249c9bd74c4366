// Internal: what a backend saw and did for one Admission, in its own units, and the one
// function that turns it into a Decision. Both backends fill an Observation (the memory
// limiter from its maps, the Redis limiter from the script's reply), so the Decision,
// the header values and the rounding exist once.
#pragma once

#include <upgate/limits/admission.hpp>
#include <upgate/limits/decision.hpp>

#include <array>
#include <cstdint>

namespace upgate::limits::detail {

struct Observation {
  std::int64_t now_us = 0;
  Reason reason = Reason::within_limits;                 // never store_unavailable here
  std::array<std::int64_t, kMaxRateChecks> rate_tats{};  // per rate check, after the step
  std::uint32_t open_uploads = 0;                        // after the step, expired slots dropped
  std::int64_t earliest_upload_expiry_us = 0;            // 0 when none is open
  std::uint64_t quota_used = 0;                          // in the current window, after the step
  std::int64_t quota_window_start_s = 0;
};

Decision make_decision(const Admission& admission, const Observation& seen);

// The Decision when the store could not be asked.
Decision store_error_decision(bool allow, StoreError error);

}  // namespace upgate::limits::detail
