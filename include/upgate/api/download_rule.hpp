// authorize_download(): whether a caller may have a GET URL for a key of a profile.
//
// Pure, like plan_upload(): a function of (caller, profile, key), so the rule can be
// tested without a server and changed in one place. The profile's `downloads` mode
// (upload_profile.hpp): "off" is 403 downloads_disabled; otherwise the key must be one
// the profile's template could have minted, for this caller under "owner" (its principal
// segments are the caller's own), for any principal under "authenticated", for anyone
// under "public". Every other refusal is the same 404 not_found, so the answer never
// tells whether, or whose, a key exists.
#pragma once

#include <string_view>

#include "upgate/api/api_error.hpp"
#include "upgate/api/caller.hpp"
#include "upgate/api/profile_set.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

Expected<void, ApiError> authorize_download(const ResolvedProfile& resolved, const Caller& caller,
                                            std::string_view key);

}  // namespace upgate::api
