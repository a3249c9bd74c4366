// Who may download what.
#include "upgate/api/download_rule.hpp"

namespace upgate::api {

// The profile's switch alone for now: ownership (issue 10's second half) adds the
// caller and the key to the decision.
Expected<void, ApiError> authorize_download(const ResolvedProfile& resolved,
                                            const Caller& /*caller*/, std::string_view /*key*/) {
  if (!resolved.profile->downloads) {
    return Unexpected(make_error(ErrorCode::downloads_disabled,
                                 "the profile of this key does not allow downloads", "key"));
  }
  return {};
}

}  // namespace upgate::api
