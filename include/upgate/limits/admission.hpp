// upgate::limits::Admission: everything one request asks of the limits, checked at once.
//
// The upload API builds one Admission per request from the profile's and the global
// limits and the caller's identity, and calls Limiter::admit() once:
//
//   Admission a;
//   a.rates.push_back({"avatars", make_limit_key({{"profile", "avatars"}, {"principal", id}}),
//                      profile.rate});
//   a.rates.push_back({"global", make_limit_key({{"principal", id}}), global.rate});
//   a.open_upload = OpenUploadCheck{"avatars-uploads", key, profile.max_open_uploads,
//                                   upload_id, url_lifetime};
//   a.quota = QuotaCheck{"avatars-quota", key, profile.quota, request.file_size};
//
// How the checks combine (both backends, atomically with respect to other requests):
//   1. Every rate check must pass. If any refuses, nothing at all is consumed.
//   2. The rates pass: each consumes one request, whatever follows (a request refused by
//      its quota still counted against its rates, so a caller over quota cannot send
//      without bound).
//   3. The open-upload check, then the quota check: both must pass, and only then is the
//      upload's slot taken and its bytes added. A refused quota takes no bytes.
//
// `policy` names the limit in the RateLimit header fields and in refusal messages (letters,
// digits, '-', '_', '.', ':' keep the header simple; other bytes are escaped or replaced).
// `key` says whose limit it is (see limit_key.hpp); rate, upload and quota keys live in
// separate namespaces, so one key may serve all three. A key longer than 128 bytes is
// stored under a digest of itself.
#pragma once

#include <upgate/limits/specs.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace upgate::limits {

// One request against a token bucket.
struct RateCheck {
  std::string policy;
  std::string key;
  RateSpec spec;
};

// Takes (or refreshes) the slot `upload_id` among the key's open uploads for `ttl`. The
// slot frees itself after ttl (clients never say they gave up) or at release_upload().
// Opening an id that is already open refreshes its expiry and is always allowed.
struct OpenUploadCheck {
  std::string policy;
  std::string key;
  OpenUploadsSpec spec;
  std::string upload_id;
  std::chrono::seconds ttl{0};
};

// Adds `bytes` to the key's quota for the current window, unless that would pass the limit.
struct QuotaCheck {
  std::string policy;
  std::string key;
  QuotaSpec spec;
  std::uint64_t bytes = 0;
};

struct Admission {
  std::vector<RateCheck> rates;
  std::optional<OpenUploadCheck> open_upload;
  std::optional<QuotaCheck> quota;
};

inline constexpr std::size_t kMaxRateChecks = 8;
inline constexpr std::size_t kMaxUploadIdBytes = 1024;
inline constexpr std::chrono::seconds kMaxUploadTtl{7 * 24 * 3600};

// Empty when the admission is well formed; otherwise what is wrong (a bug in the caller:
// Limiter::admit() throws std::invalid_argument with this text). Checked: at most
// kMaxRateChecks rates, no rate key twice, non-empty keys and policies, specs inside the
// bounds of specs.hpp, an upload id of 1..1024 bytes and a ttl of 1 s..7 days, a quota
// request of at most kMaxQuotaBytes.
std::string admission_problem(const Admission& admission);

}  // namespace upgate::limits
