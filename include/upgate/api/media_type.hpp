// Media types (`type/subtype[; parameters]`) and the patterns profiles allow them by.
//
// parse_media_type() accepts what a browser's File.type or a Content-Type header can
// hold and nothing else: RFC 9110 tokens for type and subtype, optional `; name=value`
// parameters (token or quoted-string), at most 255 bytes, no control characters, no
// leading or trailing space (the value is signed as sent, so it must survive header
// trimming unchanged).
//
// A MediaTypePattern is `*/*`, `type/*` or `type/subtype`; matching ignores parameters
// and case, as media types are case-insensitive. A wildcard never matches an active type
// (HTML, SVG, XML, JavaScript: active_content.hpp); only `type/subtype` naming it does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace upgate::api {

inline constexpr std::size_t kMaxMediaTypeBytes = 255;

struct MediaType {
  std::string type;     // lower-case
  std::string subtype;  // lower-case
};

std::optional<MediaType> parse_media_type(std::string_view text);

class MediaTypePattern {
 public:
  // nullopt unless `*/*`, `type/*` or `type/subtype` (no parameters).
  static std::optional<MediaTypePattern> parse(std::string_view text);

  bool matches(const MediaType& media_type) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string type_;     // "*" for any
  std::string subtype_;  // "*" for any
};

}  // namespace upgate::api
