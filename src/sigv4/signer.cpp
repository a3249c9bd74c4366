// Header signing and generic query signing of any request, any service: the
// request's canonical form (canonical_request.hpp), then the steps of
// signature_v4.hpp, with every intermediate kept for the trace.
#include "upgate/sigv4/signer.hpp"

#include <algorithm>
#include <charconv>

#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/signature_v4.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

std::optional<SignError> check_params(const SigningParams& params) {
  if (params.credentials == nullptr) {
    return SignError{"credentials missing: an access key id and a secret key are required"};
  }
  return check_credentials(*params.credentials, params.region, params.service);
}

std::string_view error_text(CanonicalRequestError e) {
  return e == CanonicalRequestError::kMalformedPath
             ? "request path holds a malformed percent escape"
             : "request query holds a malformed percent escape";
}

struct Scope {
  std::array<char, 16> amz_date;
  std::string scope;  // date/region/service/aws4_request
};

Scope make_scope(const SigningParams& params) {
  Scope out{format_amz_date(params.time), {}};
  append_credential_scope(out.scope, view(format_scope_date(params.time)), params.region,
                          params.service);
  return out;
}

// Steps 2 to 4 over a canonical request's text, each result kept.
SignatureTrace sign_canonical_request(std::string canonical_request, const Scope& scope,
                                      const SigningParams& params) {
  SignatureTrace trace;
  trace.canonical_request = std::move(canonical_request);
  trace.string_to_sign =
      string_to_sign(view(scope.amz_date), scope.scope, sha256(trace.canonical_request));
  SigningKeyCache& cache = params.cache ? *params.cache : SigningKeyCache::global();
  const auto key = cache.get(params.credentials->secret_access_key,
                             view(format_scope_date(params.time)), params.region, params.service);
  trace.signature = key->sign(trace.string_to_sign);
  return trace;
}

}  // namespace

std::optional<SignError> check_credentials(const Credentials& credentials, std::string_view region,
                                           std::string_view service) {
  if (!credentials.valid()) {
    return SignError{"credentials missing: an access key id and a secret key are required"};
  }
  if (!is_valid_access_key_id(credentials.access_key_id)) {
    return SignError{"access key id holds characters a credential cannot carry"};
  }
  if (!is_valid_scope_part(region)) return SignError{"region missing or malformed"};
  if (!is_valid_scope_part(service)) return SignError{"service missing or malformed"};
  return std::nullopt;
}

Expected<SignedHeaders, SignError> sign_headers(const RequestView& request,
                                                std::string_view payload_hash,
                                                const SigningParams& params,
                                                HeaderSignOptions options) {
  if (auto error = check_params(params)) return Unexpected(std::move(*error));
  const Credentials& creds = *params.credentials;
  const Scope scope = make_scope(params);
  const bool has_token = !creds.session_token.empty();
  const bool sign_token = has_token && options.sign_session_token;

  // The signer owns these headers: a value already on the request is replaced
  // by the one signed here, never sent twice.
  auto replaced = [&](std::string_view name) {
    return text::iequals(name, "authorization") || text::iequals(name, "x-amz-date") ||
           (has_token && text::iequals(name, "x-amz-security-token")) ||
           (options.add_content_sha256_header && text::iequals(name, "x-amz-content-sha256"));
  };
  std::vector<HeaderView> headers;
  headers.reserve(request.headers.size() + 3);
  for (const auto& h : request.headers) {
    if (!replaced(h.name)) headers.push_back(h);
  }
  headers.push_back({"X-Amz-Date", view(scope.amz_date)});
  if (sign_token) headers.push_back({"X-Amz-Security-Token", creds.session_token});
  if (options.add_content_sha256_header) headers.push_back({"x-amz-content-sha256", payload_hash});

  const RequestView signing_view{request.method, request.target, headers};
  const auto canonical = canonicalize_request(signing_view, {}, params.uri);
  if (!canonical) return Unexpected(SignError{std::string(error_text(canonical.error()))});

  SignedHeaders result;
  result.trace =
      sign_canonical_request(canonical_request(canonical->parts(payload_hash)), scope, params);
  std::string signed_headers;
  append_signed_headers(signed_headers, canonical->headers);

  std::string authorization;
  authorization.reserve(160 + signed_headers.size());
  authorization.append(kAlgorithm)
      .append(" Credential=")
      .append(creds.access_key_id)
      .append("/")
      .append(scope.scope)
      .append(", SignedHeaders=")
      .append(signed_headers)
      .append(", Signature=")
      .append(result.trace.signature);

  result.headers_to_add.push_back({"X-Amz-Date", std::string(view(scope.amz_date))});
  if (has_token) result.headers_to_add.push_back({"X-Amz-Security-Token", creds.session_token});
  if (options.add_content_sha256_header) {
    result.headers_to_add.push_back({"x-amz-content-sha256", std::string(payload_hash)});
  }
  result.headers_to_add.push_back({"Authorization", std::move(authorization)});
  return result;
}

Expected<SignedQuery, SignError> sign_query(const RequestView& request,
                                            std::string_view payload_hash,
                                            const SigningParams& params,
                                            std::chrono::seconds expires) {
  if (auto error = check_params(params)) return Unexpected(std::move(*error));
  if (expires.count() < 1 || expires > kMaxPresignExpiry) {
    return Unexpected(SignError{"expiry must be between 1 and 604800 seconds"});
  }
  const Credentials& creds = *params.credentials;
  const Scope scope = make_scope(params);

  const std::size_t question = request.target.find('?');
  if (question != std::string_view::npos) {
    const auto existing = parse_query(request.target.substr(question + 1));
    if (!existing) return Unexpected(SignError{"request query holds a malformed percent escape"});
    for (const auto& p : *existing) {
      if (text::iequals(p.name, "X-Amz-Signature") || text::iequals(p.name, "X-Amz-Credential")) {
        return Unexpected(SignError{"request is already signed"});
      }
    }
  }

  // Every header is signed: the list goes into the query before the request is
  // canonicalised with it.
  const auto as_given = canonicalize_request(request, {}, params.uri);
  if (!as_given) return Unexpected(SignError{std::string(error_text(as_given.error()))});
  std::string signed_headers;
  append_signed_headers(signed_headers, as_given->headers);
  if (signed_headers.empty())
    return Unexpected(SignError{"a presigned request signs at least host"});

  std::string auth_query;
  auth_query.append("X-Amz-Algorithm=").append(kAlgorithm);
  auth_query.append("&X-Amz-Credential=");
  append_uri_encoded(auth_query, creds.access_key_id, true);
  auth_query.append("%2F");
  append_uri_encoded(auth_query, scope.scope, true);
  auth_query.append("&X-Amz-Date=").append(view(scope.amz_date));
  char seconds[24];
  auth_query.append("&X-Amz-Expires=")
      .append(seconds, std::to_chars(seconds, seconds + sizeof seconds, expires.count()).ptr);
  auth_query.append("&X-Amz-SignedHeaders=");
  append_uri_encoded(auth_query, signed_headers, true);
  if (!creds.session_token.empty()) {
    auth_query.append("&X-Amz-Security-Token=");
    append_uri_encoded(auth_query, creds.session_token, true);
  }

  std::string target(request.target);
  target.push_back(question == std::string_view::npos ? '?' : '&');
  target.append(auth_query);
  const RequestView signing_view{request.method, target, request.headers};
  const auto canonical = canonicalize_request(signing_view, {}, params.uri);
  if (!canonical) return Unexpected(SignError{std::string(error_text(canonical.error()))});

  SignedQuery result;
  result.trace =
      sign_canonical_request(canonical_request(canonical->parts(payload_hash)), scope, params);
  result.query = std::move(auth_query);
  result.query.append("&X-Amz-Signature=").append(result.trace.signature);
  return result;
}

}  // namespace upgate::sigv4
