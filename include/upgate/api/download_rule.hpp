// authorize_download(): whether a caller may have a GET URL for a key of a profile.
//
// Pure, like plan_upload(): a function of (caller, profile, key), so the rule can be
// tested without a server and changed in one place. Today it is the profile's
// `downloads` switch; ownership (`downloads = "owner"`: only keys this profile's
// template could have minted for this caller) is decided here too.
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
