// One admission per API request: the profile's and the global limits, for one caller.
#include "upgate/api/upload_limits.hpp"

#include "upgate/api/client_address.hpp"
#include "upgate/limits/limit_key.hpp"

namespace upgate::api {

std::string limit_subject_key(const LimitSubject& subject) {
  std::string key;
  if (!subject.principal.empty()) {
    limits::append_limit_key_part(key, "principal", subject.principal);
  } else {
    limits::append_limit_key_part(key, "ip", limit_address(subject.client));
  }
  return key;
}

namespace {

std::string profile_key(const UploadProfile& profile, std::string_view who) {
  std::string key;
  key.reserve(sizeof "profile:" + profile.name.size() + who.size());
  limits::append_limit_key_part(key, "profile", profile.name);
  key += '|';
  key += who;
  return key;
}

}  // namespace

std::string profile_limit_key(const UploadProfile& profile, const LimitSubject& subject) {
  return profile_key(profile, limit_subject_key(subject));
}

std::optional<limits::Admission> make_admission(const LimitsConfig& config,
                                                const UploadAdmissionRequest& request) {
  const UploadProfile& profile = *request.profile;
  const ProfileLimits& own = profile.limits;
  const bool upload_checks = request.upload && (own.max_open_uploads || own.quota || config.quota);
  const bool rate_checks = request.rates && (own.rate || config.rate);
  if (!rate_checks && !upload_checks) return std::nullopt;

  // The keys are copied into each check that uses them, the last use taking the original.
  std::string who = limit_subject_key(request.subject);
  std::string per_profile = profile_key(profile, who);
  const std::uint64_t bytes = std::min<std::uint64_t>(request.bytes, limits::kMaxQuotaBytes);
  const bool own_quota = request.upload && own.quota;
  const bool global_quota = request.upload && !own.quota && config.quota;
  limits::Admission admission;
  if (request.rates && (own.rate || config.rate)) {
    admission.rates.reserve(own.rate && config.rate ? 2 : 1);
    if (own.rate) admission.rates.push_back({profile.name, per_profile, *own.rate});
    if (config.rate) {
      admission.rates.push_back({"global", global_quota ? who : std::move(who), *config.rate});
    }
  }
  if (request.upload && own.max_open_uploads) {
    const std::chrono::seconds ttl = request.ttl.count() > 0
                                         ? std::min(request.ttl, limits::kMaxUploadTtl)
                                         : profile.url_lifetime;
    admission.open_upload = limits::OpenUploadCheck{
        profile.name + "-uploads", own_quota ? per_profile : std::move(per_profile),
        *own.max_open_uploads, std::string(request.upload_id), ttl};
  }
  if (own_quota) {
    admission.quota =
        limits::QuotaCheck{profile.name + "-quota", std::move(per_profile), *own.quota, bytes};
  } else if (global_quota) {
    admission.quota = limits::QuotaCheck{"global-quota", std::move(who), *config.quota, bytes};
  }
  return admission;
}

ErrorCode refusal_code(const limits::Decision& decision) noexcept {
  switch (decision.reason) {
    case limits::Reason::rate_limited:
      return ErrorCode::rate_limited;
    case limits::Reason::quota_exceeded:
      return ErrorCode::quota_exceeded;
    case limits::Reason::too_many_open_uploads:
      return ErrorCode::too_many_open_uploads;
    case limits::Reason::store_unavailable:
    case limits::Reason::within_limits:
      break;
  }
  return ErrorCode::limits_unavailable;
}

}  // namespace upgate::api
