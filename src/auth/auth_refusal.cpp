// Refusals: codes, standard sentences, statuses and WWW-Authenticate values.
#include "upgate/auth/auth_refusal.hpp"

namespace upgate::auth {

std::string_view code(AuthCheck check) noexcept {
  switch (check) {
    case AuthCheck::kMissingCredentials:
      return "missing_credentials";
    case AuthCheck::kMalformedCredentials:
      return "malformed_credentials";
    case AuthCheck::kMalformedToken:
      return "malformed_token";
    case AuthCheck::kAlgorithmNotAllowed:
      return "algorithm_not_allowed";
    case AuthCheck::kUnknownKey:
      return "unknown_key";
    case AuthCheck::kKeyAlgorithmMismatch:
      return "key_algorithm_mismatch";
    case AuthCheck::kBadSignature:
      return "bad_signature";
    case AuthCheck::kExpired:
      return "expired";
    case AuthCheck::kNotYetValid:
      return "not_yet_valid";
    case AuthCheck::kIssuedInFuture:
      return "issued_in_future";
    case AuthCheck::kWrongIssuer:
      return "wrong_issuer";
    case AuthCheck::kWrongAudience:
      return "wrong_audience";
    case AuthCheck::kMissingClaim:
      return "missing_claim";
    case AuthCheck::kInvalidClaim:
      return "invalid_claim";
    case AuthCheck::kInvalidPrincipal:
      return "invalid_principal";
    case AuthCheck::kUnknownApiKey:
      return "unknown_api_key";
    case AuthCheck::kProfileNotAllowed:
      return "profile_not_allowed";
    case AuthCheck::kKeysUnavailable:
      return "keys_unavailable";
  }
  return "unknown";
}

namespace {

std::string_view standard_sentence(AuthCheck check) {
  switch (check) {
    case AuthCheck::kMissingCredentials:
      return "authentication is required";
    case AuthCheck::kMalformedCredentials:
      return "the credentials header is malformed";
    case AuthCheck::kMalformedToken:
      return "the token is malformed";
    case AuthCheck::kAlgorithmNotAllowed:
      return "the token's signing algorithm is not accepted";
    case AuthCheck::kUnknownKey:
      return "the token's signing key is not known";
    case AuthCheck::kKeyAlgorithmMismatch:
      return "the token's algorithm does not match its signing key";
    case AuthCheck::kBadSignature:
      return "the token's signature is invalid";
    case AuthCheck::kExpired:
      return "the token has expired";
    case AuthCheck::kNotYetValid:
      return "the token is not valid yet";
    case AuthCheck::kIssuedInFuture:
      return "the token was issued in the future";
    case AuthCheck::kWrongIssuer:
      return "the token's issuer is not accepted";
    case AuthCheck::kWrongAudience:
      return "the token is not meant for this service";
    case AuthCheck::kMissingClaim:
      return "the token lacks a required claim";
    case AuthCheck::kInvalidClaim:
      return "the token has a claim of the wrong type";
    case AuthCheck::kInvalidPrincipal:
      return "the token does not name a usable principal";
    case AuthCheck::kUnknownApiKey:
      return "the API key is not valid";
    case AuthCheck::kProfileNotAllowed:
      return "the API key may not use this profile";
    case AuthCheck::kKeysUnavailable:
      return "the token signing keys are not available yet";
  }
  return "authentication failed";
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
