// plan_upload(): from a parsed request, its profile and its caller to exactly what will be
// signed.
//
// This is the whole policy of the upload API, with no I/O: it checks the size against
// the profile (and the caller's narrower limits, caller.hpp), the media type and
// extension, the checksum and metadata, sanitises the name, names the key, and lists the
// headers the client must send:
//   seed route:  Content-Type, Content-Length (what the seed's unchanged client sends)
//   /v1/uploads: Content-Type, Content-Length, If-None-Match: * (when the profile
//                protects against overwrite), x-amz-checksum-sha256, x-amz-meta-*.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "upgate/api/api_error.hpp"
#include "upgate/api/caller.hpp"
#include "upgate/api/profile_set.hpp"
#include "upgate/api/upload_request.hpp"
#include "upgate/expected.hpp"
#include "upgate/sigv4/request.hpp"

namespace upgate::api {

enum class UploadRoute : std::uint8_t { seed, v1 };

struct UploadPlan {
  const UploadProfile* profile = nullptr;
  std::string key;
  std::vector<sigv4::Header> headers;  // to sign, in the order the response lists them
  std::chrono::seconds lifetime{0};
};

// `resolved`: the request's profile and folder (ProfileSet::resolve); `caller`: who asks,
// as authentication established it (anonymous when the profile takes anyone).
Expected<UploadPlan, ApiError> plan_upload(const UploadRequest& request, UploadRoute route,
                                           const ResolvedProfile& resolved, const Caller& caller,
                                           std::chrono::sys_seconds now,
                                           const std::array<std::uint8_t, 16>& id);

}  // namespace upgate::api
