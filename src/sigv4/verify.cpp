// Verifying SigV4 requests as S3 does. Parsing is strict and bounded: every
// field comes from the network. Checks run in S3's order where it is known
// (syntax, scope, time, signed headers, key, signature), and each refusal
// carries S3's code and message.
#include "upgate/sigv4/verify.hpp"

#include <algorithm>
#include <charconv>

#include "upgate/http_date.hpp"
#include "upgate/http_token.hpp"
#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/signature_v4.hpp"
#include "upgate/sigv4/signer.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

constexpr std::size_t kMaxAuthorizationBytes = 8 * 1024;
constexpr std::size_t kMaxSignedHeaders = 128;
constexpr std::size_t kMaxCredentialPart = 128;

constexpr std::string_view kOneMechanism =
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
    "string parameter or the Authorization header should be specified";
constexpr std::string_view kUnsupportedMechanism =
    "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";
constexpr std::string_view kHeaderMalformed = "The authorization header is malformed; ";
constexpr std::string_view kThreeComponents =
    "the authorization header requires three components: Credential, SignedHeaders, and "
    "Signature.";
constexpr std::string_view kCredentialMalformed =
    "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
constexpr std::string_view kQueryCredentialError = "Error parsing the X-Amz-Credential parameter; ";
constexpr std::string_view kQueryParamsRequired =
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
constexpr std::string_view kInvalidCredentialDate =
    "Invalid credential date. Date is not the same as X-Amz-Date.";
constexpr std::string_view kNeedsDate =
    "AWS authentication requires a valid Date or x-amz-date header";
constexpr std::string_view kHeadersNotSigned =
    "There were headers present in the request which were not signed";
constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "key and signing method.";
constexpr std::string_view kContentSha256Invalid =
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid "
    "sha256 value.";

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), text::is_digit);
}

// What may appear in one part of a credential: printable ASCII, no separator.
bool credential_part_ok(std::string_view s) {
  return !s.empty() && s.size() <= kMaxCredentialPart &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '/'; });
}

Unexpected<AuthError> refuse(AuthErrorCode code, std::string message) {
  AuthError e;
  e.code = code;
  e.message = std::move(message);
  return Unexpected(std::move(e));
}

// Which mechanism's wording an error takes.
struct Wording {
  AuthErrorCode code;
  std::string_view prefix;  // before credential errors
};

Wording wording(AuthLocation where) {
  return where == AuthLocation::kHeader
             ? Wording{AuthErrorCode::kAuthorizationHeaderMalformed, kHeaderMalformed}
             : Wording{AuthErrorCode::kAuthorizationQueryParametersError, kQueryCredentialError};
}

std::optional<AuthError> parse_credential(std::string_view text, AuthLocation where,
                                          ParsedAuth& out) {
  const Wording w = wording(where);
  auto malformed = [&] {
    return AuthError{w.code, std::string(w.prefix) + std::string(kCredentialMalformed), {}, {}, {},
                     {}};
  };
  if (text.size() > 5 * kMaxCredentialPart) return malformed();
  std::string_view parts[5];
  std::size_t count = 0;
  std::size_t pos = 0;
  while (true) {
    const std::size_t slash = text.find('/', pos);
    if (count == 5) return malformed();
    parts[count++] = text.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (count != 5) return malformed();
  for (const auto& p : parts) {
    if (!credential_part_ok(p)) return malformed();
  }
  if (parts[1].size() != 8 || !is_digits(parts[1]) ||
      !parse_amz_date(std::string(parts[1]) + "T000000Z")) {
    return malformed();
  }
  if (parts[4] != "aws4_request") return malformed();
  out.access_key_id = std::string(parts[0]);
  out.scope.date = std::string(parts[1]);
  out.scope.region = std::string(parts[2]);
  out.scope.service = std::string(parts[3]);
  return std::nullopt;
}

std::optional<AuthError> parse_signed_headers(std::string_view list, AuthLocation where,
                                              ParsedAuth& out) {
  const Wording w = wording(where);
  const std::string what = where == AuthLocation::kHeader
                               ? std::string(kHeaderMalformed) + "SignedHeaders "
                               : std::string("X-Amz-SignedHeaders ");
  if (list.empty()) return AuthError{w.code, what + "must not be empty", {}, {}, {}, {}};
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t semi = list.find(';', pos);
    if (semi == std::string_view::npos) semi = list.size();
    const std::string_view name = list.substr(pos, semi - pos);
    const bool ok =
        name.size() <= 256 && is_http_token(name) &&
        std::none_of(name.begin(), name.end(), [](char c) { return text::to_lower(c) != c; });
    if (!ok) {
      return AuthError{
          w.code, what + "must list lower-case header names separated by ';'", {}, {}, {}, {}};
    }
    if (std::find(out.signed_headers.begin(), out.signed_headers.end(), name) !=
        out.signed_headers.end()) {
      return AuthError{w.code, what + "lists a header twice", {}, {}, {}, {}};
    }
    if (out.signed_headers.size() == kMaxSignedHeaders) {
      return AuthError{w.code, what + "lists too many headers", {}, {}, {}, {}};
    }
    out.signed_headers.emplace_back(name);
    pos = semi + 1;
  }
  return std::nullopt;
}

std::optional<AuthError> check_signature_syntax(std::string_view sig, AuthLocation where,
                                                ParsedAuth& out) {
  if (!is_hex_sha256(sig)) {
    const Wording w = wording(where);
    return AuthError{
        w.code,
        where == AuthLocation::kHeader
            ? std::string(kHeaderMalformed) + "Signature must be 64 lower-case hex digits"
            : std::string("X-Amz-Signature must be 64 lower-case hex digits"),
        {},
        {},
        {},
        {}};
  }
  out.signature = std::string(sig);
  return std::nullopt;
}

// The headers with this name, any case.
std::vector<std::string_view> header_values(const RequestView& r, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& h : r.headers) {
    if (text::iequals(h.name, name)) out.push_back(h.value);
  }
  return out;
}

// The request's time: X-Amz-Date (YYYYMMDDTHHMMSSZ) when present, else the Date header,
// as SigV4 allows, in HTTP-date form (what AWS's original test suite signs; botocore's
// "-0000" zone too) or the basic ISO 8601 form (what MinIO accepts there). Either header given
// twice is no time.
std::optional<Timestamp> request_time(const RequestView& request, bool& from_date_header) {
  const auto amz_dates = header_values(request, "x-amz-date");
  from_date_header = amz_dates.empty();
  if (!from_date_header) {
    if (amz_dates.size() != 1) return std::nullopt;
    return parse_amz_date(text::trim(amz_dates.front()));
  }
  const auto dates = header_values(request, "date");
  if (dates.size() != 1) return std::nullopt;
  const std::string_view date = text::trim(dates.front());
  if (auto t = parse_amz_date(date)) return t;
  // botocore writes the Date it signs in RFC 5322 form, with "-0000" for GMT.
  if (date.size() > 6 && (date.ends_with(" -0000") || date.ends_with(" +0000"))) {
    std::string gmt(date.substr(0, date.size() - 6));
    gmt += " GMT";
    return http_date::parse(gmt);
  }
  return http_date::parse(date);
}

bool valid_payload_hash(std::string_view v) {
  return v == kUnsignedPayload || v == kStreamingPayload || v == kStreamingPayloadTrailer ||
         v == kStreamingUnsignedPayloadTrailer ||
         (v.size() == 64 && std::all_of(v.begin(), v.end(), text::is_hex_digit));
}

std::optional<AuthError> read_content_sha256(const RequestView& request, bool required,
                                             std::string& out) {
  const auto values = header_values(request, "x-amz-content-sha256");
  if (values.empty()) {
    if (required)
      return AuthError{AuthErrorCode::kInvalidRequest,
                       "Missing required header for this request: x-amz-content-sha256",
                       {},
                       {},
                       {},
                       {}};
    return std::nullopt;
  }
  const std::string_view v = text::trim(values.front());
  if (values.size() > 1 || !valid_payload_hash(v)) {
    return AuthError{
        AuthErrorCode::kInvalidArgument, std::string(kContentSha256Invalid), {}, {}, {}, {}};
  }
  out = std::string(v);
  return std::nullopt;
}

bool is_query_auth_name(std::string_view name) {
  return name == "X-Amz-Algorithm" || name == "X-Amz-Credential" || name == "X-Amz-Signature";
}

Expected<ParsedAuth, AuthError> parse_header_auth(const RequestView& request,
                                                  std::string_view authorization) {
  ParsedAuth out;
  out.location = AuthLocation::kHeader;
  const std::string malformed_prefix(kHeaderMalformed);
  if (authorization.size() > kMaxAuthorizationBytes) {
    return refuse(AuthErrorCode::kAuthorizationHeaderMalformed,
                  malformed_prefix + "the header is too long.");
  }
  authorization = text::trim(authorization);
  const std::size_t space = authorization.find(' ');
  const std::string_view algorithm = authorization.substr(0, space);
  if (algorithm != kAlgorithm) {
    if (algorithm == "AWS" || algorithm.starts_with("AWS4-")) {
      return refuse(AuthErrorCode::kInvalidRequest, std::string(kUnsupportedMechanism));
    }
    return refuse(AuthErrorCode::kAuthorizationHeaderMalformed,
                  malformed_prefix + "the authorization mechanism is not recognised.");
  }
  if (space == std::string_view::npos) {
    return refuse(AuthErrorCode::kAuthorizationHeaderMalformed,
                  malformed_prefix + std::string(kThreeComponents));
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  std::string_view rest = authorization.substr(space + 1);
  CommaList components(rest);
  while (const auto next = components.next()) {
    const std::string_view component = *next;
    const std::size_t eq = component.find('=');
    const std::string_view name = component.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : component.substr(eq + 1);
    std::optional<std::string_view>* slot = name == "Credential"      ? &credential
                                            : name == "SignedHeaders" ? &signed_headers
                                            : name == "Signature"     ? &signature
                                                                      : nullptr;
    if (slot == nullptr || eq == std::string_view::npos || slot->has_value()) {
      return refuse(AuthErrorCode::kAuthorizationHeaderMalformed,
                    malformed_prefix + std::string(kThreeComponents));
    }
    *slot = value;
  }
  if (!credential || !signed_headers || !signature) {
    return refuse(AuthErrorCode::kAuthorizationHeaderMalformed,
                  malformed_prefix + std::string(kThreeComponents));
  }
  if (auto e = parse_credential(*credential, out.location, out)) return Unexpected(std::move(*e));
  if (auto e = parse_signed_headers(*signed_headers, out.location, out)) {
    return Unexpected(std::move(*e));
  }
  if (auto e = check_signature_syntax(*signature, out.location, out)) {
    return Unexpected(std::move(*e));
  }

  const auto time = request_time(request, out.dated_by_date_header);
  if (!time) return refuse(AuthErrorCode::kAccessDenied, std::string(kNeedsDate));
  out.request_time = *time;
  out.amz_date = std::string(view(format_amz_date(*time)));
  if (std::string_view(out.amz_date).substr(0, 8) != out.scope.date) {
    return refuse(AuthErrorCode::kAuthorizationHeaderMalformed,
                  malformed_prefix + std::string(kInvalidCredentialDate));
  }
  if (auto e = read_content_sha256(request, false, out.payload_hash)) {
    return Unexpected(std::move(*e));
  }
  const auto tokens = header_values(request, "x-amz-security-token");
  if (tokens.size() > 1) {
    return refuse(AuthErrorCode::kInvalidToken,
                  "The provided token is malformed or otherwise invalid.");
  }
  if (!tokens.empty()) out.security_token = std::string(text::trim(tokens.front()));
  return out;
}

Expected<ParsedAuth, AuthError> parse_query_auth(const RequestView& request,
                                                 const std::vector<QueryParam>& params) {
  ParsedAuth out;
  out.location = AuthLocation::kQuery;
  const AuthErrorCode code = AuthErrorCode::kAuthorizationQueryParametersError;
  struct Slot {
    std::string_view name;
    const std::string* value = nullptr;
  };
  Slot slots[] = {{"X-Amz-Algorithm"},     {"X-Amz-Credential"},    {"X-Amz-Signature"},
                  {"X-Amz-Date"},          {"X-Amz-SignedHeaders"}, {"X-Amz-Expires"},
                  {"X-Amz-Security-Token"}};
  for (const auto& p : params) {
    for (auto& slot : slots) {
      if (p.name != slot.name) continue;
      if (slot.value != nullptr) {
        return refuse(code, std::string(slot.name) + " must appear only once");
      }
      slot.value = &p.value;
    }
  }
  for (int i = 0; i < 6; ++i) {
    if (slots[i].value == nullptr) return refuse(code, std::string(kQueryParamsRequired));
  }
  const std::string& algorithm = *slots[0].value;
  const std::string& credential = *slots[1].value;
  const std::string& signature = *slots[2].value;
  const std::string& date = *slots[3].value;
  const std::string& signed_headers = *slots[4].value;
  const std::string& expires = *slots[5].value;

  if (algorithm != kAlgorithm) {
    return refuse(code, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (auto e = parse_credential(credential, out.location, out)) return Unexpected(std::move(*e));
  const auto time = parse_amz_date(date);
  if (!time) {
    return refuse(code, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  out.amz_date = date;
  out.request_time = *time;
  if (std::string_view(date).substr(0, 8) != out.scope.date) {
    return refuse(code, std::string(kQueryCredentialError) + std::string(kInvalidCredentialDate));
  }
  std::string_view digits = expires;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  if (!is_digits(digits)) return refuse(code, "X-Amz-Expires should be a number");
  if (negative) return refuse(code, "X-Amz-Expires must be non-negative");
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
  if (ec != std::errc() || end != digits.data() + digits.size() ||
      seconds > kMaxPresignExpiry.count()) {
    return refuse(code, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  out.expires = std::chrono::seconds(seconds);
  if (auto e = parse_signed_headers(signed_headers, out.location, out)) {
    return Unexpected(std::move(*e));
  }
  if (auto e = check_signature_syntax(signature, out.location, out)) {
    return Unexpected(std::move(*e));
  }
  if (slots[6].value != nullptr) out.security_token = *slots[6].value;
  out.payload_hash = std::string(kUnsignedPayload);
  if (auto e = read_content_sha256(request, false, out.payload_hash)) {
    return Unexpected(std::move(*e));
  }
  return out;
}

}  // namespace

AuthLocation detect_auth(const RequestView& request) {
  for (const auto& h : request.headers) {
    if (text::iequals(h.name, "authorization")) return AuthLocation::kHeader;
  }
  const std::size_t question = request.target.find('?');
  if (question == std::string_view::npos) return AuthLocation::kNone;
  const std::string_view query = request.target.substr(question + 1);
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view piece = query.substr(pos, amp - pos);
    const auto name = percent_decode(piece.substr(0, piece.find('=')), true);
    if (name && is_query_auth_name(*name)) return AuthLocation::kQuery;
    pos = amp + 1;
  }
  return AuthLocation::kNone;
}

Expected<ParsedAuth, AuthError> parse_auth(const RequestView& request) {
  const auto authorizations = header_values(request, "authorization");
  const std::size_t question = request.target.find('?');
  std::vector<QueryParam> params;
  bool query_malformed = false;
  if (question != std::string_view::npos) {
    auto parsed = parse_query(request.target.substr(question + 1));
    if (parsed) {
      params = std::move(*parsed);
    } else {
      query_malformed = true;
    }
  }
  const bool query_auth = std::any_of(
      params.begin(), params.end(), [](const QueryParam& p) { return is_query_auth_name(p.name); });
  if (!authorizations.empty() && query_auth) {
    return refuse(AuthErrorCode::kInvalidArgument, std::string(kOneMechanism));
  }
  if (authorizations.size() > 1) {
    return refuse(AuthErrorCode::kInvalidArgument, "Only one Authorization header is allowed");
  }
  if (authorizations.size() == 1) return parse_header_auth(request, authorizations.front());
  if (query_malformed) {
    // A signed URL whose query cannot be decoded cannot be checked either.
    if (detect_auth(request) == AuthLocation::kQuery) {
      return refuse(AuthErrorCode::kAuthorizationQueryParametersError,
                    "the query string holds a malformed percent escape");
    }
    return ParsedAuth{};
  }
  if (query_auth) return parse_query_auth(request, params);
  return ParsedAuth{};
}

Expected<VerifiedAuth, AuthError> verify(const RequestView& request, const VerifyPolicy& policy,
                                         const CredentialsLookup& lookup, SigningKeyCache* cache) {
  auto parsed = parse_auth(request);
  if (!parsed) return Unexpected(std::move(parsed).error());
  ParsedAuth& auth = *parsed;
  if (auth.location == AuthLocation::kNone) {
    return refuse(AuthErrorCode::kAccessDenied, "Access Denied");
  }
  const bool header = auth.location == AuthLocation::kHeader;
  const Wording w = wording(auth.location);

  // S3 needs the payload hash named for header auth; other services hash the body.
  if (header && policy.service == "s3" && auth.payload_hash.empty()) {
    return refuse(AuthErrorCode::kInvalidRequest,
                  "Missing required header for this request: x-amz-content-sha256");
  }

  // Scope.
  if (auth.scope.region != policy.region) {
    return refuse(w.code, std::string(w.prefix) + "the region '" + auth.scope.region +
                              "' is wrong; expecting '" + std::string(policy.region) + "'");
  }
  if (auth.scope.service != policy.service) {
    return refuse(w.code, std::string(w.prefix) + "incorrect service \"" + auth.scope.service +
                              "\". This endpoint belongs to \"" + std::string(policy.service) +
                              "\".");
  }

  // Time.
  if (header) {
    const auto skew = auth.request_time > policy.now ? auth.request_time - policy.now
                                                     : policy.now - auth.request_time;
    if (skew > policy.max_skew) {
      return refuse(AuthErrorCode::kRequestTimeTooSkewed,
                    "The difference between the request time and the current time is too large.");
    }
  } else {
    if (auth.request_time > policy.now + policy.max_skew) {
      return refuse(AuthErrorCode::kAccessDenied, "Request is not yet valid");
    }
    if (auth.expires.count() == 0 || policy.now > auth.request_time + auth.expires) {
      return refuse(AuthErrorCode::kAccessDenied, "Request has expired");
    }
  }

  // Signed headers: host always; every x-amz-* header present (S3 lets
  // x-amz-content-sha256 through, its value is the payload hash line anyway).
  auto is_signed = [&](std::string_view name) {
    return std::any_of(auth.signed_headers.begin(), auth.signed_headers.end(),
                       [&](const std::string& s) { return text::iequals(s, name); });
  };
  if (!is_signed("host") || (auth.dated_by_date_header && !is_signed("date")))
    return refuse(AuthErrorCode::kAccessDenied, std::string(kHeadersNotSigned));
  for (const auto& h : request.headers) {
    if (text::istarts_with(h.name, "x-amz-") && !text::iequals(h.name, "x-amz-content-sha256") &&
        !is_signed(h.name)) {
      return refuse(AuthErrorCode::kAccessDenied, std::string(kHeadersNotSigned));
    }
  }

  // Key.
  const std::optional<Credentials> creds = lookup ? lookup(auth.access_key_id) : std::nullopt;
  if (!creds || creds->secret_access_key.empty()) {
    return refuse(AuthErrorCode::kInvalidAccessKeyId,
                  "The AWS Access Key Id you provided does not exist in our records.");
  }
  if (!constant_time_equal(creds->session_token, auth.security_token)) {
    return refuse(AuthErrorCode::kInvalidToken,
                  "The provided token is malformed or otherwise invalid.");
  }
  SigningKeyCache& keys = cache ? *cache : SigningKeyCache::global();
  auto key =
      keys.get(creds->secret_access_key, auth.scope.date, auth.scope.region, auth.scope.service);

  // Signature: the steps of signature_v4.hpp over the request as received.
  const std::vector<std::string_view> names(auth.signed_headers.begin(), auth.signed_headers.end());
  const auto canonical = canonicalize_request(request, names, policy.uri,
                                              header ? std::string_view() : "X-Amz-Signature");
  if (!canonical) {
    return refuse(AuthErrorCode::kInvalidArgument,
                  canonical.error() == CanonicalRequestError::kMalformedPath
                      ? "The request path holds a malformed percent escape"
                      : "The query string holds a malformed percent escape");
  }
  const CanonicalRequestParts parts = canonical->parts(auth.payload_hash);
  std::string sts =
      string_to_sign(auth.amz_date, auth.scope.to_string(), canonical_request_hash(parts));
  const std::string computed = key->sign(sts);
  if (!constant_time_equal(computed, auth.signature)) {
    AuthError e;
    e.code = AuthErrorCode::kSignatureDoesNotMatch;
    e.message = std::string(kSignatureMismatch);
    e.access_key_id = auth.access_key_id;
    e.canonical_request = canonical_request(parts);
    e.string_to_sign = std::move(sts);
    e.signature_provided = auth.signature;
    return Unexpected(std::move(e));
  }
  return VerifiedAuth{std::move(auth), std::move(key)};
}

}  // namespace upgate::sigv4
