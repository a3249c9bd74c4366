// Which media types and extensions a browser renders as active content.
#include "upgate/api/active_content.hpp"

#include <algorithm>
#include <array>

namespace upgate::api {

bool is_active_media_type(const MediaType& type) noexcept {
  const std::string_view subtype = type.subtype;  // parse_media_type() lower-cases it
  if (subtype == "html" || subtype == "xml" || subtype.ends_with("+xml") || subtype == "xsl" ||
      subtype == "xslt") {
    return true;
  }
  // javascript, x-javascript, ecmascript, x-ecmascript, javascript1.5, ...
  return subtype.find("javascript") != std::string_view::npos ||
         subtype.find("ecmascript") != std::string_view::npos || subtype == "jscript";
}

bool is_active_extension(std::string_view lower_case_extension) noexcept {
  static constexpr std::array<std::string_view, 15> kActive = {
      "html", "htm",  "shtml", "xhtml", "xht", "xml", "xsl",  "xslt",
      "svg",  "svgz", "js",    "mjs",   "cjs", "mht", "mhtml"};
  return std::find(kActive.begin(), kActive.end(), lower_case_extension) != kActive.end();
}

}  // namespace upgate::api
