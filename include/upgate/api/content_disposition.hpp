// Content-Disposition for downloads (RFC 6266 with RFC 8187/5987 `filename*`).
//
// `attachment; filename="holiday_photo.jpg"; filename*=UTF-8''holiday%20photo.jpg`: the
// quoted `filename` is an ASCII fallback (non-ASCII, '"', '\' and controls become '_'),
// `filename*` carries the exact UTF-8 name percent-encoded, so non-ASCII names survive.
// `inline` is given only for a name whose extension is not an active one (.html, .svg,
// .xml, .js, ...: active_content.hpp); such a name is always `attachment`.
#pragma once

#include <string>
#include <string_view>

#include "upgate/api/upload_profile.hpp"

namespace upgate::api {

std::string content_disposition(Disposition disposition, std::string_view utf8_file_name);

// The name a key was uploaded as: its last segment without the `{id}-` prefix that
// the default template puts there.
std::string_view file_name_from_key(std::string_view key);

}  // namespace upgate::api
