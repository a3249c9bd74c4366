// Refusals: codes, standard sentences, statuses and WWW-Authenticate values.
#include "upgate/auth/auth_refusal.hpp"

#include "upgate/enum_names.hpp"

namespace upgate::auth {

namespace {

// A row a check: its stable code and the sentence a refusal says by default.
struct AuthCheckRow {
  AuthCheck value;
  std::string_view code;
  std::string_view sentence;
};

constexpr AuthCheckRow kAuthChecks[] = {
    {AuthCheck::kMissingCredentials, "missing_credentials", "authentication is required"},
    {AuthCheck::kMalformedCredentials, "malformed_credentials",
     "the credentials header is malformed"},
    {AuthCheck::kMalformedToken, "malformed_token", "the token is malformed"},
    {AuthCheck::kAlgorithmNotAllowed, "algorithm_not_allowed",
     "the token's signing algorithm is not accepted"},
    {AuthCheck::kUnknownKey, "unknown_key", "the token's signing key is not known"},
    {AuthCheck::kKeyAlgorithmMismatch, "key_algorithm_mismatch",
     "the token's algorithm does not match its signing key"},
    {AuthCheck::kBadSignature, "bad_signature", "the token's signature is invalid"},
    {AuthCheck::kExpired, "expired", "the token has expired"},
    {AuthCheck::kNotYetValid, "not_yet_valid", "the token is not valid yet"},
    {AuthCheck::kIssuedInFuture, "issued_in_future", "the token was issued in the future"},
    {AuthCheck::kWrongIssuer, "wrong_issuer", "the token's issuer is not accepted"},
    {AuthCheck::kWrongAudience, "wrong_audience", "the token is not meant for this service"},
    {AuthCheck::kMissingClaim, "missing_claim", "the token lacks a required claim"},
    {AuthCheck::kInvalidClaim, "invalid_claim", "the token has a claim of the wrong type"},
    {AuthCheck::kInvalidPrincipal, "invalid_principal",
     "the token does not name a usable principal"},
    {AuthCheck::kUnknownApiKey, "unknown_api_key", "the API key is not valid"},
    {AuthCheck::kProfileNotAllowed, "profile_not_allowed", "the API key may not use this profile"},
    {AuthCheck::kKeysUnavailable, "keys_unavailable",
     "the token signing keys are not available yet"},
};
// A row for every check: none twice, as many as up to the last (kKeysUnavailable).
static_assert(each_value_once(kAuthChecks) &&
              std::size(kAuthChecks) == static_cast<std::size_t>(AuthCheck::kKeysUnavailable) + 1);

std::string_view standard_sentence(AuthCheck check) {
  const AuthCheckRow* row = row_of(kAuthChecks, check);
  return row ? row->sentence : "authentication failed";
}

// RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E.
std::string description_chars(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') out += c;
  }
  return out;
}

}  // namespace

std::string_view code(AuthCheck check) noexcept {
  const AuthCheckRow* row = row_of(kAuthChecks, check);
  return row ? row->code : "unknown";
}

int AuthRefusal::status() const noexcept {
  switch (check) {
    case AuthCheck::kProfileNotAllowed:
      return 403;
    case AuthCheck::kKeysUnavailable:
      return 503;
    default:
      return 401;
  }
}

std::string AuthRefusal::www_authenticate(std::string_view realm) const {
  if (status() == 503) return {};
  std::string out = "Bearer";
  const auto add = [&out](std::string_view name, std::string_view value) {
    out += out.size() == 6 ? " " : ", ";
    out.append(name).append("=\"").append(description_chars(value)).append("\"");
  };
  if (!realm.empty()) add("realm", realm);
  switch (check) {
    case AuthCheck::kMissingCredentials:
      return out;  // RFC 6750 §3.1: no error code
    case AuthCheck::kMalformedCredentials:
      add("error", "invalid_request");
      break;
    case AuthCheck::kProfileNotAllowed:
      add("error", "insufficient_scope");
      break;
    default:
      add("error", "invalid_token");
      break;
  }
  add("error_description", message);
  return out;
}

AuthRefusal refusal(AuthCheck check) {
  return AuthRefusal{check, std::string(standard_sentence(check))};
}

AuthRefusal refusal(AuthCheck check, std::string message) {
  return AuthRefusal{check, std::move(message)};
}

}  // namespace upgate::auth
