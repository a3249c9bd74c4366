// verify_jwt: shape, algorithm, key, signature, claims, principal, in that order.
#include "upgate/auth/jwt_verifier.hpp"

#include <cmath>
#include <optional>

#include "upgate/auth/principal.hpp"
#include "upgate/auth/strict_json.hpp"
#include "upgate/sigv4/base64url.hpp"
#include "upgate/text.hpp"

namespace upgate::auth {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxAudiences = 64;
constexpr std::size_t kMaxHeaderDepth = 4;
constexpr std::size_t kMaxClaimsDepth = 16;
// 9999-12-31T23:59:59Z: NumericDates beyond it are clamped rather than overflowing.
constexpr double kLastSecond = 253402300799.0;

Unexpected<AuthRefusal> refuse(AuthCheck check) {
  return Unexpected(refusal(check));
}
Unexpected<AuthRefusal> refuse(AuthCheck check, std::string message) {
  return Unexpected(refusal(check, std::move(message)));
}
Unexpected<AuthRefusal> malformed(std::string_view what) {
  return refuse(AuthCheck::kMalformedToken, "the token is malformed: " + std::string(what));
}

std::string in_quotes(std::string_view name) {
  return "\"" + std::string(name) + "\"";
}

std::string_view view(const json::string& s) {
  return {s.data(), s.size()};
}

std::optional<double> numeric_date(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double())) return v.get_double();
  return std::nullopt;
}

struct Header {
  JwsAlgorithm alg;
  std::optional<std::string_view> kid;
};

Expected<Header, AuthRefusal> read_header(const json::value& doc, const JwtPolicy& policy) {
  if (!doc.is_object()) return malformed("its header is not a JSON object");
  const json::object& header = doc.get_object();
  if (header.contains("crit")) {
    return malformed("its header has \"crit\", and no JWS extension is supported");
  }
  const json::value* typ = header.if_contains("typ");
  if (typ && !typ->is_string()) return malformed("its \"typ\" is not a string");
  Header out{};
  if (const json::value* kid = header.if_contains("kid")) {
    if (!kid->is_string() || kid->get_string().empty() || kid->get_string().size() > kMaxKidBytes) {
      return malformed("its \"kid\" is not a string of 1 to 256 bytes");
    }
    out.kid = view(kid->get_string());
  }
  const json::value* alg = header.if_contains("alg");
  if (!alg || !alg->is_string()) return malformed("its header has no string \"alg\"");
  const std::string_view alg_name = view(alg->get_string());
  if (text::iequals(alg_name, "none")) {
    return refuse(AuthCheck::kAlgorithmNotAllowed,
                  "unsigned tokens (alg \"none\") are never accepted");
  }
  const auto parsed = parse_jws_algorithm(alg_name);
  if (!parsed) {
    return refuse(AuthCheck::kAlgorithmNotAllowed,
                  "the token's algorithm is not one upgate verifies (accepted: " +
                      policy.algorithms.to_string() + ")");
  }
  if (!policy.algorithms.contains(*parsed)) {
    return refuse(AuthCheck::kAlgorithmNotAllowed,
                  "the token's algorithm " + std::string(name(*parsed)) +
                      " is not accepted (accepted: " + policy.algorithms.to_string() + ")");
  }
  out.alg = *parsed;
  return out;
}

Unexpected<AuthRefusal> key_refusal(KeySelection::Outcome outcome, JwsAlgorithm alg) {
  switch (outcome) {
    case KeySelection::Outcome::kUnknownKid:
      return refuse(AuthCheck::kUnknownKey, "no known key has the token's kid");
    case KeySelection::Outcome::kWrongFamily:
      return refuse(AuthCheck::kKeyAlgorithmMismatch,
                    "the key named by the token's kid may not verify " + std::string(name(alg)));
    case KeySelection::Outcome::kAmbiguous:
      return refuse(
          AuthCheck::kUnknownKey,
          "the token names no key (kid) and several keys could verify " + std::string(name(alg)));
    default:
      return refuse(AuthCheck::kUnknownKey,
                    "the token names no key (kid) and no key can verify " + std::string(name(alg)));
  }
}

Expected<void, AuthRefusal> check_audience(const json::object& claims, const JwtPolicy& policy) {
  const json::value* aud = claims.if_contains("aud");
  if (!aud) return refuse(AuthCheck::kMissingClaim, "the token has no \"aud\" claim");
  const auto wanted = [&policy](std::string_view a) {
    for (const std::string& mine : policy.audiences) {
      if (mine == a) return true;
    }
    return false;
  };
  if (aud->is_string()) {
    if (wanted(view(aud->get_string()))) return {};
    return refuse(AuthCheck::kWrongAudience);
  }
  if (!aud->is_array() || aud->get_array().empty() || aud->get_array().size() > kMaxAudiences) {
    return refuse(AuthCheck::kInvalidClaim,
                  "the token's \"aud\" claim is not a string or a list of 1 to 64 strings");
  }
  bool match = false;
  for (const json::value& a : aud->get_array()) {
    if (!a.is_string()) {
      return refuse(AuthCheck::kInvalidClaim, "the token's \"aud\" list holds a non-string");
    }
    match = match || wanted(view(a.get_string()));
  }
  if (!match) return refuse(AuthCheck::kWrongAudience);
  return {};
}

}  // namespace

Expected<void, std::string> JwtPolicy::validate() const {
  if (issuer.empty()) return Unexpected(std::string("issuer is required"));
  if (audiences.empty()) return Unexpected(std::string("audience is required"));
  for (const std::string& a : audiences) {
    if (a.empty()) return Unexpected(std::string("audience must not be empty"));
  }
  if (leeway < std::chrono::seconds(0) || leeway > std::chrono::seconds(300)) {
    return Unexpected(std::string("leeway must be 0 to 300 seconds"));
  }
  if (algorithms.empty()) return Unexpected(std::string("algorithms must not be empty"));
  if (principal_claim.empty()) return Unexpected(std::string("principal_claim must not be empty"));
  if (max_token_bytes < 256) return Unexpected(std::string("max_token_bytes must be at least 256"));
  return {};
}

Expected<VerifiedJwt, AuthRefusal> verify_jwt(std::string_view token, const KeySet& keys,
                                              const JwtPolicy& policy, std::chrono::sys_seconds now,
                                              bool* unknown_kid) {
  // 1. Shape.
  if (token.empty()) return malformed("it is empty");
  if (token.size() > policy.max_token_bytes) {
    return malformed("it is longer than " + std::to_string(policy.max_token_bytes) + " bytes");
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return malformed("it does not have three parts");
  }
  const std::string_view header_part = token.substr(0, dot1);
  const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_part = token.substr(dot2 + 1);
  if (header_part.empty() || payload_part.empty()) return malformed("one of its parts is empty");
  const auto header_bytes = sigv4::base64url_decode(header_part);
  if (!header_bytes) return malformed("its header is not base64url");
  const auto payload_bytes = sigv4::base64url_decode(payload_part);
  if (!payload_bytes) return malformed("its payload is not base64url");
  auto header_doc =
      parse_strict_json(*header_bytes, JsonLimits{policy.max_token_bytes, kMaxHeaderDepth});
  if (!header_doc) return malformed("its header is " + header_doc.error());

  // 2. Algorithm, before the signature's shape: an unsigned token ("alg":"none" and an
  // empty third part) is refused for what it is.
  auto header = read_header(*header_doc, policy);
  if (!header) return Unexpected(std::move(header).error());
  if (signature_part.empty()) return malformed("its signature is empty");
  const auto signature = sigv4::base64url_decode(signature_part);
  if (!signature) return malformed("its signature is not base64url");

  // 3. Key.
  const KeySelection selection = keys.select(header->kid, header->alg);
  if (selection.outcome != KeySelection::Outcome::kFound) {
    if (unknown_kid) *unknown_kid = selection.outcome == KeySelection::Outcome::kUnknownKid;
    return key_refusal(selection.outcome, header->alg);
  }

  // 4. Signature.
  const std::string_view signing_input = token.substr(0, dot2);
  bool verified = false;
  constexpr std::size_t kMaxTries = 4;  // colliding kids across families, bounded
  for (std::size_t i = 0; i < selection.keys.size() && i < kMaxTries && !verified; ++i) {
    verified = selection.keys[i]->verify(header->alg, signing_input, *signature);
  }
  if (!verified) return refuse(AuthCheck::kBadSignature);

  // 5. Claims.
  auto claims_doc =
      parse_strict_json(*payload_bytes, JsonLimits{policy.max_token_bytes, kMaxClaimsDepth});
  if (!claims_doc) return malformed("its claims are " + claims_doc.error());
  if (!claims_doc->is_object()) return malformed("its claims are not a JSON object");
  json::object& claims = claims_doc->get_object();

  const json::value* iss = claims.if_contains("iss");
  if (!iss) return refuse(AuthCheck::kMissingClaim, "the token has no \"iss\" claim");
  if (!iss->is_string()) {
    return refuse(AuthCheck::kInvalidClaim, "the token's \"iss\" claim is not a string");
  }
  if (view(iss->get_string()) != policy.issuer) return refuse(AuthCheck::kWrongIssuer);
  auto audience = check_audience(claims, policy);
  if (!audience) return Unexpected(std::move(audience).error());

  const json::value* exp_value = claims.if_contains("exp");
  if (!exp_value) return refuse(AuthCheck::kMissingClaim, "the token has no \"exp\" claim");
  const auto exp = numeric_date(*exp_value);
  if (!exp) return refuse(AuthCheck::kInvalidClaim, "the token's \"exp\" claim is not a number");
  std::optional<double> nbf;
  std::optional<double> iat;
  for (const auto& [claim, slot] : {std::pair{"nbf", &nbf}, std::pair{"iat", &iat}}) {
    if (const json::value* v = claims.if_contains(claim)) {
      *slot = numeric_date(*v);
      if (!*slot) {
        return refuse(AuthCheck::kInvalidClaim,
                      "the token's " + in_quotes(claim) + " claim is not a number");
      }
    }
  }
  const auto now_s = static_cast<double>(now.time_since_epoch().count());
  const auto leeway = static_cast<double>(policy.leeway.count());
  if (now_s >= *exp + leeway) return refuse(AuthCheck::kExpired);
  if (nbf && now_s + leeway < *nbf) return refuse(AuthCheck::kNotYetValid);
  if (iat && *iat > now_s + leeway) return refuse(AuthCheck::kIssuedInFuture);

  // 6. Principal.
  const json::value* id = claims.if_contains(policy.principal_claim);
  if (!id || !id->is_string() || !usable_principal_id(view(id->get_string()))) {
    return refuse(AuthCheck::kInvalidPrincipal,
                  "the token's " + in_quotes(policy.principal_claim) +
                      " claim is not a non-empty string without control characters");
  }
  auto principal = std::make_shared<Principal>();
  principal->id.assign(view(id->get_string()));
  principal->mode = AuthMode::kJwt;
  principal->claims = std::move(claims);

  const double valid_before = std::min(std::ceil(*exp + leeway), kLastSecond);
  return VerifiedJwt{
      std::move(principal),
      std::chrono::sys_seconds(std::chrono::seconds(static_cast<std::int64_t>(valid_before)))};
}

}  // namespace upgate::auth
