// Bearer tokens, cookies and X-Api-Key, read from header values as hostile input.
#include "upgate/auth/credentials.hpp"

#include "upgate/auth/api_keys.hpp"
#include "upgate/text.hpp"

namespace upgate::auth {

namespace {

using Kind = ExtractedCredential::Kind;

constexpr ExtractedCredential kAbsent{Kind::kAbsent, {}};
constexpr ExtractedCredential kMalformed{Kind::kMalformed, {}};
constexpr std::size_t kMaxCookieHeaderBytes = 8 * 1024;
constexpr std::size_t kMaxCookiePairs = 256;

// RFC 6750 §2.1's b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_b64token(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (text::is_alnum(s[i]) || s[i] == '-' || s[i] == '.' || s[i] == '_' ||
                          s[i] == '~' || s[i] == '+' || s[i] == '/')) {
    ++i;
  }
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

// RFC 6265 §4.1.1's cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
bool is_cookie_octet(char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
         (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

}  // namespace

ExtractedCredential bearer_token(std::optional<std::string_view> authorization) {
  if (!authorization) return kAbsent;
  const std::string_view value = text::trim(*authorization);
  constexpr std::string_view kScheme = "bearer";
  const std::size_t space = value.find(' ');
  const std::string_view scheme = value.substr(0, space);
  if (!text::iequals(scheme, kScheme)) {
    // Another scheme is someone else's business; a scheme glued to a tab or nothing is not.
    if (text::istarts_with(value, kScheme) &&
        (value.size() == kScheme.size() || text::is_ows(value[kScheme.size()]))) {
      return kMalformed;
    }
    return kAbsent;
  }
  if (space == std::string_view::npos) return kMalformed;
  const std::string_view token = value.substr(space + 1);
  if (token.size() > kMaxCredentialBytes || !is_b64token(token)) return kMalformed;
  return {Kind::kPresent, token};
}

ExtractedCredential cookie_value(std::optional<std::string_view> cookie_header,
                                 std::string_view name) {
  if (!cookie_header) return kAbsent;
  std::string_view rest = *cookie_header;
  if (rest.size() > kMaxCookieHeaderBytes) return kMalformed;
  ExtractedCredential found = kAbsent;
  std::size_t pairs = 0;
  while (!rest.empty()) {
    if (++pairs > kMaxCookiePairs) return kMalformed;
    const std::size_t semicolon = rest.find(';');
    const std::string_view pair = text::trim(rest.substr(0, semicolon));
    rest.remove_prefix(semicolon == std::string_view::npos ? rest.size() : semicolon + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;  // browsers skip nameless pairs too
    if (text::trim(pair.substr(0, eq)) != name) continue;
    if (found.kind != Kind::kAbsent) return kMalformed;  // the same name twice
    std::string_view value = text::trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.empty()) continue;  // a cleared cookie carries nothing
    bool octets = true;
    for (const char c : value) octets = octets && is_cookie_octet(c);
    found = octets ? ExtractedCredential{Kind::kPresent, value} : kMalformed;
  }
  return found;
}

ExtractedCredential api_key_header(std::optional<std::string_view> x_api_key) {
  if (!x_api_key) return kAbsent;
  const std::string_view value = text::trim(*x_api_key);
  if (!is_api_key_format(value)) return kMalformed;
  return {Kind::kPresent, value};
}

}  // namespace upgate::auth
