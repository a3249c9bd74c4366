// Active content: media types a browser runs script in when it renders them (HTML,
// XHTML, SVG, any XML, which XSLT and XHTML namespaces make active, and JavaScript).
//
// Served inline from the storage origin, such a file is stored XSS. So:
//   - a wildcard pattern (`image/*`, `text/*`, `*/*`) and a profile with no
//     `allowed_types` never admit an active type; only a pattern naming it exactly does
//     (media_type.hpp, upload_profile.hpp);
//   - an active type is uploaded only under a name whose extension is an active one, so
//     the key itself says the object is active (upload_plan.hpp);
//   - a download of a name with an active extension is always `attachment`, whatever the
//     profile's content_disposition (content_disposition.hpp).
// Together these keep an active object from ever being signed for inline display.
#pragma once

#include <string_view>

#include "upgate/api/media_type.hpp"

namespace upgate::api {

// text/html, application/xhtml+xml, image/svg+xml, text/xml, application/xml, any
// `+xml` type, text/xsl, and the JavaScript / ECMAScript types.
bool is_active_media_type(const MediaType& type) noexcept;

// `lower_case_extension` without the dot: html, htm, shtml, xhtml, xht, xml, xsl, xslt,
// svg, svgz, js, mjs, cjs, mht, mhtml.
bool is_active_extension(std::string_view lower_case_extension) noexcept;

}  // namespace upgate::api
