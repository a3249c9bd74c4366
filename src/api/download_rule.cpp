// Who may download what.
#include "upgate/api/download_rule.hpp"

namespace upgate::api {

Expected<void, ApiError> authorize_download(const ResolvedProfile& resolved, const Caller& caller,
                                            std::string_view key) {
  const UploadProfile& profile = *resolved.profile;
  if (profile.downloads == DownloadsMode::off) {
    return Unexpected(make_error(ErrorCode::downloads_disabled,
                                 "the profile of this key does not allow downloads", "key"));
  }
  if (!profile.serves_download(key, caller.principal.get())) {
    return Unexpected(
        make_error(ErrorCode::not_found, "no object of this key can be downloaded", "key"));
  }
  return {};
}

}  // namespace upgate::api
