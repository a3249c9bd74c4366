// Presigned S3 URLs, by the steps of signature_v4.hpp.
//
// Most of a presigned URL is decided by things that stay put while a server
// runs: the endpoint, bucket, credentials and region, the second it signs in,
// the expiry, the names of the signed headers and any extra parameters. That
// part (the checks, the URL's origin, the canonical query, the signed header
// list) is prepared once into a UrlTemplate and kept per thread until one of
// those inputs changes. Each presign then only encodes its key, reads its
// header values, hashes the canonical request straight from the URL (its path
// is the canonical URI, its authority the signed Host, its query the canonical
// query) and signs: no allocation but the URL and the returned headers.
#include "upgate/sigv4/presign.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

#include "upgate/http_token.hpp"
#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/signature_v4.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;  // S3's limit on object key length
constexpr std::size_t kMaxHeaders = 64;
constexpr std::size_t kMaxQueryParams = 64;
constexpr std::size_t kHost = static_cast<std::size_t>(-1);  // UrlTemplate::header_order

// RFC 9110 token of a sane length: what an HTTP method or header name may be.
bool is_token(std::string_view s) {
  return s.size() <= 256 && is_http_token(s);
}

bool is_auth_param(std::string_view name) {
  for (std::string_view reserved :
       {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Signature", "X-Amz-Security-Token"}) {
    if (text::iequals(name, reserved)) return true;
  }
  return false;
}

// Everything of a presigned URL but its key, its header values and its
// signature, with the inputs it was made from.
struct UrlTemplate {
  // --- Made from ---
  std::string access_key_id, session_token, region;
  std::string scheme, host;
  std::uint16_t port = 0;
  bool path_style = false;
  std::string bucket;
  Timestamp time;
  std::chrono::seconds expires{0};
  std::vector<std::string> header_names;  // as given
  std::vector<std::string> query;         // name, value, name, value, ... as given

  // --- Provides ---
  bool virtual_host = false;
  std::string origin;       // scheme://authority, the authority being the signed Host
  std::string bucket_path;  // "/bucket" in path style, else empty
  std::array<char, 16> amz_date;
  std::string scope;            // date/region/s3/aws4_request
  std::string canonical_query;  // the URL's query, without X-Amz-Signature
  // The signed headers in canonical order: lower-case names, and where each
  // one's value is (an index into the request's headers, or kHost).
  std::vector<std::string> signed_names;
  std::vector<std::size_t> header_order;
  std::size_t content_sha256 = kHost;  // the x-amz-content-sha256 header's index, if signed

  bool made_from(const PresignRequest& r, const S3Endpoint& e, const Credentials& c,
                 std::string_view region_) const;
};

bool UrlTemplate::made_from(const PresignRequest& r, const S3Endpoint& e, const Credentials& c,
                            std::string_view region_) const {
  if (r.time != time || r.expires != expires || r.bucket != bucket ||
      c.access_key_id != access_key_id || c.session_token != session_token || region_ != region ||
      e.host != host || e.port != port || e.path_style != path_style || e.scheme != scheme ||
      r.headers.size() != header_names.size() || 2 * r.query.size() != query.size()) {
    return false;
  }
  for (std::size_t i = 0; i < r.headers.size(); ++i) {
    if (r.headers[i].name != header_names[i]) return false;
  }
  for (std::size_t i = 0; i < r.query.size(); ++i) {
    if (r.query[i].name != query[2 * i] || r.query[i].value != query[2 * i + 1]) return false;
  }
  return true;
}

// Checks what the template stands for, then prepares it.
std::optional<SignError> prepare(UrlTemplate& t, const PresignRequest& request,
                                 const S3Endpoint& endpoint, const Credentials& credentials,
                                 std::string_view region) {
  if (request.bucket.empty() || request.bucket.size() > 255 ||
      request.bucket.find('/') != std::string_view::npos || has_control_char(request.bucket)) {
    return SignError{"bucket must be a non-empty name without '/' or control characters"};
  }
  if (request.expires.count() < 1 || request.expires > kMaxPresignExpiry) {
    return SignError{"expires must be between 1 and 604800 seconds"};
  }
  if (auto problem = check_credentials(credentials, region)) return problem;
  if (!endpoint.usable()) {
    return SignError{"endpoint must have an http or https scheme and a host"};
  }
  if (request.headers.size() > kMaxHeaders) return SignError{"too many headers"};
  if (request.query.size() > kMaxQueryParams) return SignError{"too many query parameters"};
  for (std::size_t i = 0; i < request.headers.size(); ++i) {
    const std::string_view name = request.headers[i].name;
    if (!is_token(name)) return SignError{"header name is not an HTTP token"};
    if (text::iequals(name, "host") || text::iequals(name, "authorization") ||
        text::iequals(name, "x-amz-security-token") || text::iequals(name, "x-amz-date")) {
      return SignError{"header " + std::string(name) + " is set by the presigner"};
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (text::iequals(name, request.headers[j].name)) {
        return SignError{"header " + std::string(name) + " given twice"};
      }
    }
  }
  for (const QueryParamView& q : request.query) {
    if (is_auth_param(q.name))
      return SignError{"query parameter " + std::string(q.name) + " is reserved"};
  }

  t.access_key_id = credentials.access_key_id;
  t.session_token = credentials.session_token;
  t.region = region;
  t.scheme = endpoint.scheme;
  t.host = endpoint.host;
  t.port = endpoint.port;
  t.path_style = endpoint.path_style;
  t.bucket = request.bucket;
  t.time = request.time;
  t.expires = request.expires;
  t.header_names.assign(request.headers.size(), {});
  for (std::size_t i = 0; i < request.headers.size(); ++i) {
    t.header_names[i] = request.headers[i].name;
  }
  t.query.clear();
  for (const QueryParamView& q : request.query) {
    t.query.emplace_back(q.name);
    t.query.emplace_back(q.value);
  }

  // The origin and bucket: the object URL of an empty key, split where the key goes.
  t.virtual_host = endpoint.virtual_hosted_for(request.bucket);
  std::string bucket_url;
  endpoint.append_url(bucket_url, request.bucket);
  const std::size_t path_at = bucket_url.find('/', endpoint.scheme.size() + 3);
  t.origin = bucket_url.substr(0, path_at);
  t.bucket_path = t.virtual_host ? std::string() : bucket_url.substr(path_at);

  t.amz_date = format_amz_date(request.time);
  t.scope.clear();
  append_credential_scope(t.scope, view(t.amz_date).substr(0, 8), region, "s3");

  // The signed headers: host and the caller's, lower-cased and sorted.
  std::vector<std::pair<std::string, std::size_t>> names;
  names.emplace_back("host", kHost);
  for (std::size_t i = 0; i < request.headers.size(); ++i) {
    names.emplace_back(text::lower(request.headers[i].name), i);
  }
  std::sort(names.begin(), names.end());
  t.signed_names.clear();
  t.header_order.clear();
  t.content_sha256 = kHost;
  std::vector<CanonicalHeader> headers;
  for (const auto& [name, index] : names) {
    t.signed_names.push_back(name);
    t.header_order.push_back(index);
    if (name == "x-amz-content-sha256") t.content_sha256 = index;
  }
  for (const std::string& name : t.signed_names) headers.push_back({name, {}});
  std::string signed_headers;
  append_signed_headers(signed_headers, headers);

  // The query: the X-Amz-* parameters and the caller's, encoded and sorted.
  char expires[24];
  const auto expires_end =
      std::to_chars(expires, expires + sizeof expires, request.expires.count());
  std::vector<std::string> text = {
      std::string(kAlgorithm),       uri_encode(credentials.access_key_id + "/" + t.scope),
      std::string(view(t.amz_date)), std::string(expires, expires_end.ptr),
      uri_encode(signed_headers),    uri_encode(credentials.session_token),
  };
  for (const QueryParamView& q : request.query) {
    text.push_back(uri_encode(q.name));
    text.push_back(uri_encode(q.value));
  }
  std::vector<EncodedQueryParam> params = {
      {"X-Amz-Algorithm", text[0]}, {"X-Amz-Credential", text[1]},    {"X-Amz-Date", text[2]},
      {"X-Amz-Expires", text[3]},   {"X-Amz-SignedHeaders", text[4]},
  };
  if (!credentials.session_token.empty()) params.push_back({"X-Amz-Security-Token", text[5]});
  for (std::size_t i = 6; i < text.size(); i += 2) params.push_back({text[i], text[i + 1]});
  t.canonical_query.clear();
  append_canonical_query(t.canonical_query, params);
  return std::nullopt;
}

// The template for this request, prepared or reused. Null with `error` set
// when the request cannot be presigned.
const UrlTemplate* url_template(const PresignRequest& request, const S3Endpoint& endpoint,
                                const Credentials& credentials, std::string_view region,
                                SignError& error) {
  thread_local UrlTemplate t;
  thread_local bool ready = false;
  if (ready && t.made_from(request, endpoint, credentials, region)) return &t;
  ready = false;
  if (auto problem = prepare(t, request, endpoint, credentials, region)) {
    error = std::move(*problem);
    return nullptr;
  }
  ready = true;
  return &t;
}

// Per-thread text that keeps its capacity between presigns.
struct Scratch {
  std::vector<CanonicalHeader> headers;
  std::string string_to_sign;
};

}  // namespace

Expected<PresignedUrl, SignError> presign(const PresignRequest& request, const S3Endpoint& endpoint,
                                          const Credentials& credentials, std::string_view region,
                                          SigningKeyCache* cache) {
  // What changes from one URL to the next is checked every time.
  if (!is_token(request.method)) return fail("method must be an HTTP token such as PUT");
  if (request.key.size() > kMaxKeyBytes) return fail("key is longer than 1024 bytes");
  for (const HeaderView& h : request.headers) {
    if (!is_safe_header_value(h.value)) return fail("header value holds CR, LF or NUL");
  }
  SignError error;
  const UrlTemplate* t = url_template(request, endpoint, credentials, region, error);
  if (t == nullptr) return Unexpected(std::move(error));
  if (!credentials.valid()) {  // the secret is not part of the template
    return fail("credentials missing: an access key id and a secret key are required");
  }
  // A client that declares the body's hash has it checked as the payload hash.
  std::string_view payload_hash = kUnsignedPayload;
  if (t->content_sha256 != kHost) {
    payload_hash = request.headers[t->content_sha256].value;
    if (!is_hex_sha256(payload_hash) && payload_hash != kUnsignedPayload) {
      return fail("x-amz-content-sha256 must be a lower-case hex SHA-256 or UNSIGNED-PAYLOAD");
    }
  }

  // The URL, allocated once.
  PresignedUrl result;
  std::string& url = result.url;
  url.reserve(t->origin.size() + t->bucket_path.size() + 3 * request.key.size() + 2 +
              t->canonical_query.size() + 17 + 64);
  url.append(t->origin).append(t->bucket_path);
  if (t->virtual_host || !request.key.empty()) url.push_back('/');
  append_uri_encoded(url, request.key, /*encode_slash=*/false);
  const std::size_t query_at = url.size() + 1;
  url.push_back('?');
  url.append(t->canonical_query);

  // Steps 1 to 4, the canonical request read from the URL and the template.
  thread_local Scratch s;
  const std::string_view written = url;
  const std::string_view host =
      written.substr(t->scheme.size() + 3, t->origin.size() - t->scheme.size() - 3);
  s.headers.clear();
  for (std::size_t i = 0; i < t->signed_names.size(); ++i) {
    const std::size_t at = t->header_order[i];
    s.headers.push_back({t->signed_names[i], at == kHost ? host : request.headers[at].value});
  }
  const CanonicalRequestParts canonical{
      request.method, written.substr(t->origin.size(), query_at - 1 - t->origin.size()),
      written.substr(query_at), s.headers, payload_hash};
  s.string_to_sign.clear();
  append_string_to_sign(s.string_to_sign, view(t->amz_date), t->scope,
                        canonical_request_hash(canonical));
  SigningKeyCache& keys = cache ? *cache : SigningKeyCache::global();
  const auto key =
      keys.get(credentials.secret_access_key, view(t->amz_date).substr(0, 8), region, "s3");
  url.append("&X-Amz-Signature=");
  key->sign_into(s.string_to_sign, url);

  result.method = std::string(request.method);
  result.headers.reserve(request.headers.size());
  for (const HeaderView& h : request.headers) {
    result.headers.push_back({std::string(h.name), std::string(h.value)});
  }
  result.expires_at = request.time + request.expires;
  return result;
}

}  // namespace upgate::sigv4
