// The shape every backend relies on before it touches state.
#include "upgate/limits/admission.hpp"

namespace upgate::limits {
namespace {

bool rate_in_bounds(const RateSpec& spec) {
  return spec.count >= 1 && spec.count <= kMaxRateCount && spec.burst >= 1 &&
         spec.burst <= kMaxBurst && spec.emission_interval().count() >= 1 &&
         spec.capacity() <= kMaxBucketDepth &&
         (spec.period.count() == 1 || spec.period.count() == 60 || spec.period.count() == 3600 ||
          spec.period.count() == 86400);
}

bool quota_in_bounds(const QuotaSpec& spec) {
  return spec.bytes >= 1 && spec.bytes <= kMaxQuotaBytes &&
         (spec.window.count() == 3600 || spec.window.count() == 86400);
}

}  // namespace

std::string admission_problem(const Admission& admission) {
  if (admission.rates.size() > kMaxRateChecks) {
    return "more than " + std::to_string(kMaxRateChecks) + " rate checks";
  }
  for (std::size_t i = 0; i < admission.rates.size(); ++i) {
    const RateCheck& check = admission.rates[i];
    if (check.policy.empty() || check.key.empty()) return "a rate check without policy or key";
    if (!rate_in_bounds(check.spec)) return "rate check \"" + check.policy + "\" out of bounds";
    for (std::size_t j = 0; j < i; ++j) {
      if (admission.rates[j].key == check.key) {
        return "rate key of \"" + check.policy + "\" checked twice";
      }
    }
  }
  if (const auto& check = admission.open_upload) {
    if (check->policy.empty() || check->key.empty()) {
      return "an open-upload check without policy or key";
    }
    if (check->spec.max < 1 || check->spec.max > kMaxOpenUploads) {
      return "open-upload check \"" + check->policy + "\" out of bounds";
    }
    if (check->upload_id.empty() || check->upload_id.size() > kMaxUploadIdBytes) {
      return "open-upload check \"" + check->policy + "\" needs an upload id of 1 to " +
             std::to_string(kMaxUploadIdBytes) + " bytes";
    }
    if (check->ttl.count() < 1 || check->ttl > kMaxUploadTtl) {
      return "open-upload check \"" + check->policy + "\" needs a ttl of 1 s to 7 days";
    }
  }
  if (const auto& check = admission.quota) {
    if (check->policy.empty() || check->key.empty()) return "a quota check without policy or key";
    if (!quota_in_bounds(check->spec) || check->bytes > kMaxQuotaBytes) {
      return "quota check \"" + check->policy + "\" out of bounds";
    }
  }
  return {};
}

}  // namespace upgate::limits
