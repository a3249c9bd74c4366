// Where a request carries its credentials: `Authorization: Bearer …` (RFC 6750 §2.1), a
// named cookie (RFC 6265 §4.2.1), or `X-Api-Key`. Pure functions over header values, so
// the API passes what its HTTP layer parsed and the library stays free of it.
//
// Each answers kAbsent (nothing of the kind here: try the next source), kMalformed (the
// header is there but broken: refuse with kMalformedCredentials rather than guess) or
// kPresent with a view into the header value. Values are never copied or logged.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace upgate::auth {

struct ExtractedCredential {
  enum class Kind : unsigned char { kAbsent, kMalformed, kPresent };
  Kind kind = Kind::kAbsent;
  std::string_view value;  // kPresent only

  bool present() const noexcept { return kind == Kind::kPresent; }
};

// The longest credential accepted from any source; longer ones are kMalformed.
inline constexpr std::size_t kMaxCredentialBytes = 16 * 1024;

// From an Authorization value: the scheme "Bearer" in any case, exactly one space, then a
// b64token (ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then any "="); leading
// and trailing spaces and tabs around the whole value are ignored as HTTP does. Another
// scheme (Basic, AWS4-HMAC-SHA256) is kAbsent; "Bearer" with no token, two spaces, or
// other characters is kMalformed.
ExtractedCredential bearer_token(std::optional<std::string_view> authorization);

// The cookie `name` from a Cookie value ("a=1; b=2"). Pairs are split on ';' with
// optional whitespace; a pair without '=' is skipped as browsers skip it; names compare
// exactly. The value may be DQUOTE-wrapped (the quotes are removed) and must be
// cookie-octets (RFC 6265: no controls, whitespace, DQUOTE, ',', ';' or '\'); an empty
// value (a cleared cookie) counts as absent. The same
// name twice is kMalformed: a cookie a sibling domain planted must not quietly win. More
// than 8 KiB or 256 pairs is kMalformed. Join several Cookie fields with "; " first.
ExtractedCredential cookie_value(std::optional<std::string_view> cookie_header,
                                 std::string_view name);

// From an X-Api-Key value: trimmed of spaces and tabs, it must have the API key shape
// (api_keys.hpp), else kMalformed.
ExtractedCredential api_key_header(std::optional<std::string_view> x_api_key);

}  // namespace upgate::auth
