// Media type parsing (RFC 9110 section 8.3.1) and allow-list patterns.
#include "upgate/api/media_type.hpp"

#include "upgate/api/active_content.hpp"
#include "upgate/http_token.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

// Consumes a token from the front of `s`; empty when there is none.
std::string_view take_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_http_token_char(s[n])) ++n;
  const std::string_view token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

void skip_ows(std::string_view& s) {
  while (!s.empty() && text::is_ows(s.front())) s.remove_prefix(1);
}

bool take_quoted_string(std::string_view& s) {
  if (s.empty() || s.front() != '"') return false;
  s.remove_prefix(1);
  while (!s.empty()) {
    const auto c = static_cast<unsigned char>(s.front());
    if (c == '"') {
      s.remove_prefix(1);
      return true;
    }
    if (c == '\\') {
      s.remove_prefix(1);
      if (s.empty()) return false;
    } else if (c < 0x20 && c != '\t') {
      return false;
    } else if (c == 0x7F) {
      return false;
    }
    s.remove_prefix(1);
  }
  return false;
}

using text::lower;

}  // namespace

std::optional<MediaType> parse_media_type(std::string_view text) {
  if (text.empty() || text.size() > kMaxMediaTypeBytes) return std::nullopt;
  std::string_view rest = text;
  const std::string_view type = take_token(rest);
  if (type.empty() || rest.empty() || rest.front() != '/') return std::nullopt;
  rest.remove_prefix(1);
  const std::string_view subtype = take_token(rest);
  if (subtype.empty()) return std::nullopt;
  // A wildcard is a pattern, not the type of a file.
  if (type == "*" || subtype == "*") return std::nullopt;
  while (!rest.empty()) {
    skip_ows(rest);
    if (rest.empty() || rest.front() != ';') return std::nullopt;
    rest.remove_prefix(1);
    skip_ows(rest);
    if (take_token(rest).empty() || rest.empty() || rest.front() != '=') return std::nullopt;
    rest.remove_prefix(1);
    if (!rest.empty() && rest.front() == '"') {
      if (!take_quoted_string(rest)) return std::nullopt;
    } else if (take_token(rest).empty()) {
      return std::nullopt;
    }
    // Trailing whitespace would be trimmed from the header and break the signature.
    if (!rest.empty() && text::trim(rest).empty()) return std::nullopt;
  }
  return MediaType{lower(type), lower(subtype)};
}

std::optional<MediaTypePattern> MediaTypePattern::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view type = text.substr(0, slash);
  const std::string_view subtype = text.substr(slash + 1);
  if (!is_http_token(type) || !is_http_token(subtype)) return std::nullopt;
  // `*` is a tchar, so it must be checked to stand alone: `im*ge/png` is not a pattern.
  if ((type.find('*') != std::string_view::npos && type != "*") ||
      (subtype.find('*') != std::string_view::npos && subtype != "*")) {
    return std::nullopt;
  }
  if (type == "*" && subtype != "*") return std::nullopt;
  MediaTypePattern pattern;
  pattern.text_ = lower(text);
  pattern.type_ = lower(type);
  pattern.subtype_ = lower(subtype);
  return pattern;
}

bool MediaTypePattern::matches(const MediaType& media_type) const {
  if (subtype_ == "*") {
    // A wildcard never admits active content (active_content.hpp): `image/*` is meant for
    // pictures, not for image/svg+xml's scripts.
    return (type_ == "*" || type_ == media_type.type) && !is_active_media_type(media_type);
  }
  return type_ == media_type.type && subtype_ == media_type.subtype;
}

}  // namespace upgate::api
