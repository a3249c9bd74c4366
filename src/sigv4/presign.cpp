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

namespace upgate::sigv4 {

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;  // S3's limit on object key length
constexpr std::size_t kMaxHeaders = 64;
constexpr std::size_t kMaxQueryParams = 64;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 9110 token of a sane length: what an HTTP method or header name may be.
bool is_token(std::string_view s) {
  return s.size() <= 256 && is_http_token(s);
}

bool valid_scope_part(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool valid_access_key_id(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '/'; });
}

bool looks_like_ipv4(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

bool is_ip_literal(std::string_view host) {
  return (!host.empty() && host.front() == '[') || looks_like_ipv4(host);
}

// S3's rules for a bucket that can be a DNS label: 3-63 of [a-z0-9.-],
// alphanumeric at both ends, no empty or dash-edged labels, not an IPv4 address.
bool dns_compatible_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  if (!is_alnum(b.front()) || !is_alnum(b.back())) return false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const char c = b[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
    if (c == '.' && i + 1 < b.size() && (b[i + 1] == '.' || b[i + 1] == '-')) return false;
    if (c == '-' && i + 1 < b.size() && b[i + 1] == '.') return false;
  }
  return !looks_like_ipv4(b);
}

bool is_auth_param(std::string_view name) {
  for (std::string_view reserved :
       {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Signature", "X-Amz-Security-Token"}) {
    if (iequals(name, reserved)) return true;
  }
  return false;
}

void append_number(std::string& out, long long v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

std::uint16_t default_port(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

constexpr std::array<bool, 256> make_unreserved(bool keep_slash) {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  t['-'] = t['_'] = t['.'] = t['~'] = true;
  t['/'] = keep_slash;
  return t;
}
// The same rules as append_uri_encoded(), for the pointer writer below.
constexpr std::array<bool, 256> kUnreserved = make_unreserved(false);
constexpr std::array<bool, 256> kUnreservedOrSlash = make_unreserved(true);
constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";

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
    const auto& keep = encode_slash ? kUnreserved : kUnreservedOrSlash;
    const char* p = s.data();
    const char* const end = p + s.size();
    while (p < end) {
      const char* run = p;
      while (p < end && keep[static_cast<unsigned char>(*p)]) ++p;
      put(std::string_view(run, static_cast<std::size_t>(p - run)));
      if (p == end) break;
      const auto c = static_cast<unsigned char>(*p++);
      p_[0] = '%';
      p_[1] = kUpperHex[c >> 4];
      p_[2] = kUpperHex[c & 0x0f];
      p_ += 3;
    }
  }
  void put_lower(std::string_view s) {
    for (const char c : s) *p_++ = lower(c);
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
      *p_++ = kLowerHex[b >> 4];
      *p_++ = kLowerHex[b & 0x0f];
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

Expected<S3Endpoint, SignError> S3Endpoint::parse(std::string_view url, bool path_style) {
  S3Endpoint e;
  e.path_style = path_style;
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return fail("endpoint must look like http[s]://host[:port]");
  std::string scheme(url.substr(0, sep));
  for (char& c : scheme) c = lower(c);
  if (scheme != "http" && scheme != "https") return fail("endpoint scheme must be http or https");
  e.scheme = scheme;
  std::string_view rest = url.substr(sep + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority_end != std::string_view::npos && rest.substr(authority_end) != "/") {
    return fail("endpoint must not have a path, query or fragment");
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail("endpoint must not hold user information");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("endpoint has an unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("endpoint host is malformed");
      port = after.substr(1);
    }
    if (host.size() < 3 || !std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return fail("endpoint has a malformed IPv6 address");
    }
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), [](char c) {
          return is_alnum(c) || c == '-' || c == '.' || c == '_';
        })) {
      return fail("endpoint host is missing or malformed");
    }
  }
  e.host = std::string(host);
  for (char& c : e.host) c = lower(c);
  if (!port.empty() || (authority.size() > host.size())) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return fail("endpoint port must be a number from 1 to 65535");
    }
    // The default port is left out, as browsers leave it out of Host.
    e.port = value == default_port(e.scheme) ? 0 : static_cast<std::uint16_t>(value);
  }
  return e;
}

S3Endpoint S3Endpoint::aws(std::string_view region) {
  S3Endpoint e;
  e.scheme = "https";
  e.host = "s3.";
  e.host.append(region).append(".amazonaws.com");
  if (region.starts_with("cn-")) e.host.append(".cn");
  return e;
}

std::string S3Endpoint::host_header() const {
  std::string out = host;
  if (port != 0) {
    out.push_back(':');
    append_number(out, port);
  }
  return out;
}

bool S3Endpoint::virtual_hosted_for(std::string_view bucket) const {
  // Virtual-hosted only where the bucket can be a DNS label (and, for TLS, a
  // single one the wildcard certificate covers).
  return !path_style && dns_compatible_bucket(bucket) &&
         !(scheme == "https" && bucket.find('.') != std::string_view::npos) && !is_ip_literal(host);
}

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
  if (!valid_access_key_id(credentials.access_key_id)) {
    return fail("access key id holds characters a credential cannot carry");
  }
  if (!valid_scope_part(region)) return fail("region missing or malformed");
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
    if (iequals(h.name, "host") || iequals(h.name, "authorization") ||
        iequals(h.name, "x-amz-security-token") || iequals(h.name, "x-amz-date")) {
      return fail("header " + std::string(h.name) + " is set by the presigner");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (iequals(h.name, request.headers[j].name)) {
        return fail("header " + std::string(h.name) + " given twice");
      }
    }
    // A client that declares the body's hash has it checked as the payload hash.
    if (iequals(h.name, "x-amz-content-sha256")) {
      const bool hex =
          h.value.size() == 64 && std::all_of(h.value.begin(), h.value.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
          });
      if (!hex && h.value != kUnsignedPayload) {
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
