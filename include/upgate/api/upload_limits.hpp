// upgate::api::UploadLimits: the one admission an API request makes to the limiter
// (upgate/limits), built from the configuration, the profile and who is asking, and the
// answer a refusal gets.
//
// Whose limits: an authenticated caller's principal; an anonymous one's client address
// (limit_address(): IPv4 as is, IPv6 per /64), so every anonymous client of a public
// profile has its own bucket and a principal's buckets follow it from any address.
//
// What one request is checked against, all at once (limits/admission.hpp):
//   the profile's rate           "<profile>"          key profile:<p>|<who>
//   [limits] rate                "global"             key <who>
//   the profile's open uploads   "<profile>-uploads"  key profile:<p>|<who>  (uploads only)
//   the profile's quota          "<profile>-quota"    key profile:<p>|<who>  (uploads only)
// (a [limits] quota adds a "global-quota" check when the profile has none of its own;
// an admission holds at most one quota). Downloads count against the rates only.
// A single upload's slot among the open uploads is the URL it is issued: it frees itself
// when the URL expires (the profile's url_lifetime). A multipart upload is admitted twice:
// its create call against the rates only, before S3 is asked; then, once S3 has named the
// upload, against the open uploads and the quota only (`rates` false), its slot keyed by
// S3's uploadId for the upload token's life, released when the upload completes or is
// aborted (profile_limit_key() names the slot's key again then).
//
// refusal(): 429 with rate_limited / quota_exceeded / too_many_open_uploads and
// refusal_message() naming the limit, or 503 limits_unavailable when the shared store
// could not be asked and on_store_error = "deny". Both carry the RateLimit fields.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/api/api_error.hpp"
#include "upgate/api/limits_config.hpp"
#include "upgate/api/upload_profile.hpp"
#include "upgate/limits/admission.hpp"
#include "upgate/limits/decision.hpp"

namespace upgate::api {

// Who a request counts against.
struct LimitSubject {
  std::string_view principal;       // empty: anonymous
  boost::asio::ip::address client;  // client_address.hpp
};

// "principal:alice" or "ip:203.0.113.9": the part of every key that names the caller.
std::string limit_subject_key(const LimitSubject& subject);
// "profile:<p>|<who>": the key of the profile's own rate, open uploads and quota for one
// caller.
std::string profile_limit_key(const UploadProfile& profile, const LimitSubject& subject);

struct UploadAdmissionRequest {
  const UploadProfile* profile = nullptr;
  LimitSubject subject;
  bool upload = true;           // false: a download (rates only)
  std::uint64_t bytes = 0;      // the declared size, for the quota
  std::string_view upload_id;   // a unique id for the URL issued (the request id), or S3's
                                // uploadId
  bool rates = true;            // false: the upload checks only (a multipart upload S3 has
                                // just created, whose create call the rates counted)
  std::chrono::seconds ttl{0};  // how long the slot lives; 0: the profile's url_lifetime
};

// The checks that apply; nullopt when none does (no limiter need be asked).
std::optional<limits::Admission> make_admission(const LimitsConfig& config,
                                                const UploadAdmissionRequest& request);

// The refusal's error code and status for a decision that did not admit.
ErrorCode refusal_code(const limits::Decision& decision) noexcept;

}  // namespace upgate::api
