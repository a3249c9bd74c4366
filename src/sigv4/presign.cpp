// Presigned S3 URLs, built for throughput: the canonical request, the string
// to sign and the URL are assembled in per-thread scratch buffers that keep
// their capacity between calls, the signing key comes warm from the cache,
// and the only allocations are the returned URL, method and headers.
#include "upgate/sigv4/presign.hpp"
#include "upgate/http_token.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;  // S3's limit on object key length
constexpr std::size_t kMaxHeaders = 64;
constexpr std::size_t kMaxQueryParams = 64;

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

// Writes into memory sized beforehand for the worst case, so the hot path
// pays no capacity check per byte. Every caller computes that bound.
class Writer {
 public:
  explicit Writer(char* at) : begin_(at), p_(at) {}
  void put(char c) { *p_++ = c; }
  void put(std::string_view s) {
    if (!s.empty()) std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  // At most 3 bytes out per byte in.
  void put_encoded(std::string_view s, bool encode_slash) {
    // Runs of bytes that stay are found first and copied at once.
    const char* p = s.data();
    const char* const end = p + s.size();
    while (p < end) {
      const char* run = p;
      while (p < end && stays_unencoded(*p, encode_slash)) ++p;
      put(std::string_view(run, static_cast<std::size_t>(p - run)));
      if (p == end) break;
      const auto c = static_cast<unsigned char>(*p++);
      p_[0] = '%';
      p_[1] = text::kHexUpper[c >> 4];
      p_[2] = text::kHexUpper[c & 0x0f];
      p_ += 3;
    }
  }
  void put_lower(std::string_view s) {
    for (const char c : s) *p_++ = text::to_lower(c);
  }
  // canonical_header_value() (values here hold no CR or LF): at most s.size().
  void put_canonical_value(std::string_view s) {
    bool pending_space = false;
    bool any = false;
    for (const char c : s) {
      if (c == ' ' || c == '\t') {
        pending_space = any;
        continue;
      }
      if (pending_space) *p_++ = ' ';
      pending_space = false;
      any = true;
      *p_++ = c;
    }
  }
  void put_hex(const Sha256Digest& d) {
    for (const std::uint8_t b : d) {
      *p_++ = text::kHexLower[b >> 4];
      *p_++ = text::kHexLower[b & 0x0f];
    }
  }
  void put_number(long long v) { p_ = std::to_chars(p_, p_ + 24, v).ptr; }

  char* pos() const { return p_; }
  std::size_t size() const { return static_cast<std::size_t>(p_ - begin_); }
  std::string_view view() const { return {begin_, size()}; }

 private:
  char* begin_;
  char* p_;
};

// Plain pointers, not string_views: arrays of these are left uninitialised
// instead of zero-filled on every call.
struct Span {
  const char* data;
  std::size_t size;
  std::string_view view() const { return {data, size}; }
};
Span span_of(std::string_view s) {
  return {s.data(), s.size()};
}

struct SignedHeaderEntry {
  Span lower_name;
  Span value;  // null data for host, written from the endpoint
};

struct QueryEntry {
  Span name;  // encoded
  Span value;
};

// Per-thread memory reused across calls: after the first presign of a given
// size the hot path stops allocating.
char* scratch(std::size_t size) {
  thread_local std::vector<char> buffer;
  if (buffer.size() < size) buffer.resize(std::max(size, buffer.size() * 2));
  return buffer.data();
}

Unexpected<SignError> fail(std::string message) {
  return Unexpected(SignError{std::move(message)});
}

}  // namespace

Expected<PresignedUrl, SignError> presign(const PresignRequest& request, const S3Endpoint& endpoint,
                                          const Credentials& credentials, std::string_view region,
                                          SigningKeyCache* cache) {
  // --- Inputs -------------------------------------------------------------
  if (!is_token(request.method)) return fail("method must be an HTTP token such as PUT");
  if (request.bucket.empty() || request.bucket.size() > 255 ||
      request.bucket.find('/') != std::string_view::npos || has_control_char(request.bucket)) {
    return fail("bucket must be a non-empty name without '/' or control characters");
  }
  if (request.key.size() > kMaxKeyBytes) return fail("key is longer than 1024 bytes");
  if (request.expires.count() < 1 || request.expires > kMaxPresignExpiry) {
    return fail("expires must be between 1 and 604800 seconds");
  }
  if (!credentials.valid()) {
    return fail("credentials missing: an access key id and a secret key are required");
  }
  if (!is_valid_access_key_id(credentials.access_key_id)) {
    return fail("access key id holds characters a credential cannot carry");
  }
  if (!is_valid_scope_part(region)) return fail("region missing or malformed");
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return fail("endpoint scheme must be http or https");
  }
  if (endpoint.host.empty()) return fail("endpoint host missing");
  if (request.headers.size() > kMaxHeaders) return fail("too many headers");
  if (request.query.size() > kMaxQueryParams) return fail("too many query parameters");
  std::string_view payload_hash = kUnsignedPayload;
  for (std::size_t i = 0; i < request.headers.size(); ++i) {
    const HeaderView& h = request.headers[i];
    if (!is_token(h.name)) return fail("header name is not an HTTP token");
    if (!is_safe_header_value(h.value)) return fail("header value holds CR, LF or NUL");
    if (text::iequals(h.name, "host") || text::iequals(h.name, "authorization") ||
        text::iequals(h.name, "x-amz-security-token") || text::iequals(h.name, "x-amz-date")) {
      return fail("header " + std::string(h.name) + " is set by the presigner");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (text::iequals(h.name, request.headers[j].name)) {
        return fail("header " + std::string(h.name) + " given twice");
      }
    }
    // A client that declares the body's hash has it checked as the payload hash.
    if (text::iequals(h.name, "x-amz-content-sha256")) {
      if (!is_hex_sha256(h.value) && h.value != kUnsignedPayload) {
        return fail("x-amz-content-sha256 must be a lower-case hex SHA-256 or UNSIGNED-PAYLOAD");
      }
      payload_hash = h.value;
    }
  }
  for (const auto& q : request.query) {
    if (is_auth_param(q.name))
      return fail("query parameter " + std::string(q.name) + " is reserved");
  }

  // --- Addressing -----------------------------------------------------------
  const bool virtual_host = endpoint.virtual_hosted_for(request.bucket);

  const auto amz_date = format_amz_date(request.time);
  const std::string_view amz_date_view = view(amz_date);
  const std::string_view scope_date = amz_date_view.substr(0, 8);

  // --- Worst-case sizes of everything written below ----------------------------
  const std::size_t header_count = request.headers.size() + 1;  // + host
  std::size_t names_size = 4;
  std::size_t values_size = 0;
  for (const auto& h : request.headers) {
    names_size += h.name.size();
    values_size += h.value.size();
  }
  std::size_t extra_query_size = 0;
  for (const auto& q : request.query) extra_query_size += 3 * (q.name.size() + q.value.size()) + 2;
  const std::size_t host_size = request.bucket.size() + 1 + endpoint.host.size() + 6;
  const std::size_t path_cap = 2 + 3 * (request.bucket.size() + request.key.size());
  const std::size_t query_cap = 256 + region.size() + 3 * credentials.access_key_id.size() +
                                3 * credentials.session_token.size() +
                                3 * (names_size + header_count) + extra_query_size;
  const std::size_t creq_cap = request.method.size() + path_cap + query_cap +
                               (names_size + values_size + 2 * header_count) + host_size +
                               (names_size + header_count) + payload_hash.size() + 8;
  const std::size_t pieces_cap = request.query.empty() ? 0 : query_cap;
  char* const memory = scratch(path_cap + names_size + pieces_cap + query_cap + creq_cap);
  char* const path_at = memory;
  char* const names_at = path_at + path_cap;
  char* const pieces_at = names_at + names_size;
  char* const query_at = pieces_at + pieces_cap;
  char* const creq_at = query_at + query_cap;

  // --- Path ----------------------------------------------------------------------
  Writer path(path_at);
  path.put('/');
  if (!virtual_host) {
    path.put_encoded(request.bucket, true);
    if (!request.key.empty()) path.put('/');
  }
  path.put_encoded(request.key, false);

  // --- Signed headers: host plus the caller's, lower-cased and sorted -----------
  std::array<SignedHeaderEntry, kMaxHeaders + 1> headers;
  Writer names(names_at);
  names.put("host");
  headers[0] = {span_of(names.view()), {nullptr, 0}};
  for (std::size_t i = 0; i < request.headers.size(); ++i) {
    char* const start = names.pos();
    names.put_lower(request.headers[i].name);
    headers[i + 1] = {{start, request.headers[i].name.size()}, span_of(request.headers[i].value)};
  }
  std::sort(headers.begin(), headers.begin() + header_count,
            [](const auto& a, const auto& b) { return a.lower_name.view() < b.lower_name.view(); });
  auto put_signed_header_list = [&](Writer& w, std::string_view separator) {
    for (std::size_t i = 0; i < header_count; ++i) {
      if (i > 0) w.put(separator);
      w.put(headers[i].lower_name.view());  // token characters: nothing to encode but ';'
    }
  };

  // --- Canonical query ------------------------------------------------------------
  // The auth parameters in their sorted order; the caller's, if any, merged in.
  Writer query(query_at);
  struct AuthParam {
    std::string_view name;
    int which;
  };
  static constexpr AuthParam kAuthParams[] = {
      {"X-Amz-Algorithm", 0}, {"X-Amz-Credential", 1},     {"X-Amz-Date", 2},
      {"X-Amz-Expires", 3},   {"X-Amz-Security-Token", 4}, {"X-Amz-SignedHeaders", 5}};
  auto put_auth_value = [&](Writer& w, int which) {
    switch (which) {
      case 0:
        w.put(kAlgorithm);
        break;
      case 1:
        w.put_encoded(credentials.access_key_id, true);
        w.put("%2F");
        w.put(scope_date);
        w.put("%2F");
        w.put(region);  // validated: unreserved characters only
        w.put("%2Fs3%2Faws4_request");
        break;
      case 2:
        w.put(amz_date_view);
        break;
      case 3:
        w.put_number(request.expires.count());
        break;
      case 4:
        w.put_encoded(credentials.session_token, true);
        break;
      default:
        put_signed_header_list(w, "%3B");
        break;
    }
  };
  const bool with_token = !credentials.session_token.empty();
  if (request.query.empty()) {
    bool first = true;
    for (const auto& p : kAuthParams) {
      if (p.which == 4 && !with_token) continue;
      if (!first) query.put('&');
      first = false;
      query.put(p.name);
      query.put('=');
      put_auth_value(query, p.which);
    }
  } else {
    std::array<QueryEntry, kMaxQueryParams + 6> entries;
    std::size_t count = 0;
    Writer pieces(pieces_at);
    for (const auto& p : kAuthParams) {
      if (p.which == 4 && !with_token) continue;
      char* const value_start = pieces.pos();
      put_auth_value(pieces, p.which);
      entries[count++] = {span_of(p.name),
                          {value_start, static_cast<std::size_t>(pieces.pos() - value_start)}};
    }
    for (const auto& q : request.query) {
      char* const name_start = pieces.pos();
      pieces.put_encoded(q.name, true);
      char* const value_start = pieces.pos();
      pieces.put_encoded(q.value, true);
      entries[count++] = {{name_start, static_cast<std::size_t>(value_start - name_start)},
                          {value_start, static_cast<std::size_t>(pieces.pos() - value_start)}};
    }
    std::sort(entries.begin(), entries.begin() + count, [](const auto& a, const auto& b) {
      const int by_name = a.name.view().compare(b.name.view());
      return by_name != 0 ? by_name < 0 : a.value.view() < b.value.view();
    });
    for (std::size_t i = 0; i < count; ++i) {
      if (i > 0) query.put('&');
      query.put(entries[i].name.view());
      query.put('=');
      query.put(entries[i].value.view());
    }
  }

  // --- Canonical request -------------------------------------------------------------
  Writer creq(creq_at);
  creq.put(request.method);
  creq.put('\n');
  creq.put(path.view());
  creq.put('\n');
  creq.put(query.view());
  creq.put('\n');
  for (std::size_t i = 0; i < header_count; ++i) {
    creq.put(headers[i].lower_name.view());
    creq.put(':');
    if (headers[i].value.data == nullptr) {  // host
      if (virtual_host) {
        creq.put(request.bucket);
        creq.put('.');
      }
      creq.put(endpoint.host);
      if (endpoint.port != 0) {
        creq.put(':');
        creq.put_number(endpoint.port);
      }
    } else {
      creq.put_canonical_value(headers[i].value.view());
    }
    creq.put('\n');
  }
  creq.put('\n');
  put_signed_header_list(creq, ";");
  creq.put('\n');
  creq.put(payload_hash);

  // --- String to sign and signature ------------------------------------------------------
  char sts_buffer[kAlgorithm.size() + 1 + 16 + 1 + 8 + 1 + 128 + 20 + 64];
  Writer sts(sts_buffer);
  sts.put(kAlgorithm);
  sts.put('\n');
  sts.put(amz_date_view);
  sts.put('\n');
  sts.put(scope_date);
  sts.put('/');
  sts.put(region);
  sts.put("/s3/aws4_request\n");
  sts.put_hex(sha256(creq.view()));

  SigningKeyCache& keys = cache ? *cache : SigningKeyCache::global();
  const auto key = keys.get(credentials.secret_access_key, scope_date, region, "s3");
  const Sha256Digest signature = key->mac(sts.view());

  // --- The URL, in one allocation ------------------------------------------------------------
  char port_text[8];
  const std::size_t port_size =
      endpoint.port == 0
          ? 0
          : static_cast<std::size_t>(
                std::to_chars(port_text, port_text + sizeof port_text, endpoint.port).ptr -
                port_text);
  const std::size_t url_size = endpoint.scheme.size() + 3 +
                               (virtual_host ? request.bucket.size() + 1 : 0) +
                               endpoint.host.size() + (port_size ? port_size + 1 : 0) +
                               path.size() + 1 + query.size() + 17 + 64;
  PresignedUrl result;
  result.url.resize(url_size);
  Writer url(result.url.data());
  url.put(endpoint.scheme);
  url.put("://");
  if (virtual_host) {
    url.put(request.bucket);
    url.put('.');
  }
  url.put(endpoint.host);
  if (port_size) {
    url.put(':');
    url.put(std::string_view(port_text, port_size));
  }
  url.put(path.view());
  url.put('?');
  url.put(query.view());
  url.put("&X-Amz-Signature=");
  url.put_hex(signature);

  result.method = std::string(request.method);
  result.headers.reserve(request.headers.size());
  for (const auto& h : request.headers) {
    result.headers.push_back({std::string(h.name), std::string(h.value)});
  }
  result.expires_at = request.time + request.expires;
  return result;
}

}  // namespace upgate::sigv4
