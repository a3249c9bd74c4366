// Header signing and generic query signing of any request, any service.
#include "upgate/sigv4/signer.hpp"

#include <algorithm>

#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

std::optional<SignError> check_params(const SigningParams& params) {
  if (params.credentials == nullptr || !params.credentials->valid()) {
    return SignError{"credentials missing: an access key id and a secret key are required"};
  }
  if (!is_valid_access_key_id(params.credentials->access_key_id)) {
    return SignError{"access key id holds characters a credential cannot carry"};
  }
  if (!is_valid_scope_part(params.region)) return SignError{"region missing or malformed"};
  if (!is_valid_scope_part(params.service)) return SignError{"service missing or malformed"};
  return std::nullopt;
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
  const auto date = format_scope_date(params.time);
  return {format_amz_date(params.time),
          CredentialScope{std::string(view(date)), std::string(params.region),
                          std::string(params.service)}
              .to_string()};
}

std::shared_ptr<const SigningKey> key_for(const SigningParams& params) {
  SigningKeyCache& cache = params.cache ? *params.cache : SigningKeyCache::global();
  const auto date = format_scope_date(params.time);
  return cache.get(params.credentials->secret_access_key, view(date), params.region,
                   params.service);
}

}  // namespace

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 64 + 3);
  out.append(kAlgorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  append_hex(out, sha256(canonical_request));
  return out;
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
  auto canonical = build_canonical_request(signing_view, {}, payload_hash, params.uri);
  if (!canonical) return Unexpected(SignError{std::string(error_text(canonical.error()))});

  SignedHeaders result;
  result.trace.canonical_request = std::move(canonical->text);
  result.trace.string_to_sign =
      string_to_sign(view(scope.amz_date), scope.scope, result.trace.canonical_request);
  result.trace.signature = key_for(params)->sign(result.trace.string_to_sign);

  std::string authorization;
  authorization.reserve(160 + canonical->signed_headers.size());
  authorization.append(kAlgorithm)
      .append(" Credential=")
      .append(creds.access_key_id)
      .append("/")
      .append(scope.scope)
      .append(", SignedHeaders=")
      .append(canonical->signed_headers)
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

  std::vector<std::string_view> names;
  for (const auto& h : request.headers) names.push_back(h.name);
  // Canonical form of the signed header list, as it will appear in the query.
  std::string signed_headers;
  {
    std::vector<std::string> lowered;
    for (auto n : names) lowered.push_back(text::lower(n));
    std::sort(lowered.begin(), lowered.end());
    lowered.erase(std::unique(lowered.begin(), lowered.end()), lowered.end());
    for (const auto& l : lowered) {
      if (!signed_headers.empty()) signed_headers.push_back(';');
      signed_headers.append(l);
    }
  }
  if (signed_headers.empty())
    return Unexpected(SignError{"a presigned request signs at least host"});

  std::string auth_query;
  auth_query.append("X-Amz-Algorithm=").append(kAlgorithm);
  auth_query.append("&X-Amz-Credential=");
  append_uri_encoded(auth_query, creds.access_key_id, true);
  auth_query.append("%2F");
  append_uri_encoded(auth_query, scope.scope, true);
  auth_query.append("&X-Amz-Date=").append(view(scope.amz_date));
  auth_query.append("&X-Amz-Expires=").append(std::to_string(expires.count()));
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
  auto canonical = build_canonical_request(signing_view, {}, payload_hash, params.uri);
  if (!canonical) return Unexpected(SignError{std::string(error_text(canonical.error()))});

  SignedQuery result;
  result.trace.canonical_request = std::move(canonical->text);
  result.trace.string_to_sign =
      string_to_sign(view(scope.amz_date), scope.scope, result.trace.canonical_request);
  result.trace.signature = key_for(params)->sign(result.trace.string_to_sign);
  result.query = std::move(auth_query);
  result.query.append("&X-Amz-Signature=").append(result.trace.signature);
  return result;
}

}  // namespace upgate::sigv4
