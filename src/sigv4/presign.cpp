// Presigned S3 URLs, built for throughput: the canonical request, the string
// to sign and the URL are assembled in per-thread scratch buffers that keep
// their capacity between calls, the signing key comes warm from the cache,
// and the only allocations are the returned URL, method and headers.
#include "upgate/sigv4/presign.hpp"

#include <algorithm>
#include <array>
#include <charconv>

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

// RFC 9110 token: what an HTTP method or header name may be made of.
bool is_token(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool header_value_ok(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
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

// canonical_header_value() without the temporary string.
void append_canonical_value(std::string& out, std::string_view raw) {
  bool pending_space = false;
  bool any = false;
  for (const char c : raw) {
    if (c == ' ' || c == '\t') {
      pending_space = any;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    any = true;
    out.push_back(c);
  }
}

void append_number(std::string& out, long long v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

std::uint16_t default_port(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

struct SignedHeaderEntry {
  std::string_view lower_name;  // points into Scratch::names
  std::string_view value;
};

struct QueryEntry {
  std::string_view name;  // encoded, points into Scratch::query_text
  std::string_view value;
};

// Per-thread buffers reused across calls: after the first few presigns they
// have the capacity they need and the hot path stops allocating.
struct Scratch {
  std::string path;  // encoded request path
  std::string names;
  std::string query_text;
  std::string canonical_query;
  std::string canonical_request;
  std::string string_to_sign;
  std::vector<SignedHeaderEntry> headers;
  std::vector<QueryEntry> query;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
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

Expected<PresignedUrl, SignError> presign(const PresignRequest& request, const S3Endpoint& endpoint,
                                          const Credentials& credentials, std::string_view region,
                                          SigningKeyCache* cache) {
  // --- Inputs -------------------------------------------------------------
  if (!is_token(request.method)) return fail("method must be an HTTP token such as PUT");
  if (request.bucket.empty() || request.bucket.size() > 255 ||
      request.bucket.find('/') != std::string_view::npos || has_control(request.bucket)) {
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
    if (!header_value_ok(h.value)) return fail("header value holds CR, LF or NUL");
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
    if (iequals(h.name, "x-amz-content-sha256")) payload_hash = h.value;
  }
  for (const auto& q : request.query) {
    if (is_auth_param(q.name))
      return fail("query parameter " + std::string(q.name) + " is reserved");
  }

  // --- Addressing -----------------------------------------------------------
  // Virtual-hosted only where the bucket can be a DNS label (and, for TLS, a
  // single one the wildcard certificate covers); otherwise path style, as the
  // AWS SDKs do.
  const bool virtual_host =
      !endpoint.path_style && dns_compatible_bucket(request.bucket) &&
      !(endpoint.scheme == "https" && request.bucket.find('.') != std::string_view::npos) &&
      !is_ip_literal(endpoint.host);

  Scratch& s = scratch();
  s.path.clear();
  s.path.push_back('/');
  if (!virtual_host) {
    append_uri_encoded(s.path, request.bucket, true);
    if (!request.key.empty()) s.path.push_back('/');
  }
  append_uri_encoded(s.path, request.key, false);

  const auto amz_date = format_amz_date(request.time);
  const auto scope_date = format_scope_date(request.time);

  // --- Signed headers: host plus the caller's, lower-cased and sorted --------
  std::size_t names_size = 4;
  for (const auto& h : request.headers) names_size += h.name.size();
  s.names.clear();
  s.names.reserve(names_size);  // views below point into it: no reallocation after this
  s.headers.clear();
  s.names.append("host");
  // The host value is written straight into the canonical request below.
  s.headers.push_back({std::string_view(s.names.data(), 4), {}});
  for (const auto& h : request.headers) {
    const std::size_t start = s.names.size();
    for (char c : h.name) s.names.push_back(lower(c));
    s.headers.push_back({std::string_view(s.names.data() + start, h.name.size()), h.value});
  }
  std::sort(s.headers.begin(), s.headers.end(),
            [](const auto& a, const auto& b) { return a.lower_name < b.lower_name; });

  // --- Canonical query: the auth parameters and the caller's, encoded, sorted
  s.query_text.clear();
  // An upper bound of the encoded size (every byte may become %XX).
  std::size_t query_estimate = 200 + region.size() + credentials.access_key_id.size() * 3 +
                               credentials.session_token.size() * 3 +
                               (names_size + request.headers.size()) * 3;
  for (const auto& q : request.query) query_estimate += (q.name.size() + q.value.size()) * 3;
  s.query_text.reserve(query_estimate);
  s.query.clear();
  auto add_param = [&](std::string_view name, auto&& write_value) {
    const std::size_t name_start = s.query_text.size();
    append_uri_encoded(s.query_text, name, true);
    const std::size_t value_start = s.query_text.size();
    write_value(s.query_text);
    s.query.push_back(
        {std::string_view(s.query_text.data() + name_start, value_start - name_start),
         std::string_view(s.query_text.data() + value_start, s.query_text.size() - value_start)});
  };
  const std::size_t reserved_before = s.query_text.capacity();
  add_param("X-Amz-Algorithm", [](std::string& o) { o.append(kAlgorithm); });
  add_param("X-Amz-Credential", [&](std::string& o) {
    append_uri_encoded(o, credentials.access_key_id, true);
    o.append("%2F")
        .append(view(scope_date))
        .append("%2F")
        .append(region)
        .append("%2Fs3%2Faws4_request");
  });
  add_param("X-Amz-Date", [&](std::string& o) { o.append(view(amz_date)); });
  add_param("X-Amz-Expires", [&](std::string& o) { append_number(o, request.expires.count()); });
  if (!credentials.session_token.empty()) {
    add_param("X-Amz-Security-Token",
              [&](std::string& o) { append_uri_encoded(o, credentials.session_token, true); });
  }
  add_param("X-Amz-SignedHeaders", [&](std::string& o) {
    for (std::size_t i = 0; i < s.headers.size(); ++i) {
      if (i > 0) o.append("%3B");
      append_uri_encoded(o, s.headers[i].lower_name, true);
    }
  });
  for (const auto& q : request.query) {
    add_param(q.name, [&](std::string& o) { append_uri_encoded(o, q.value, true); });
  }
  if (s.query_text.capacity() != reserved_before) {
    // The estimate was short and the buffer moved: the views are stale.
    // Cannot happen with the bound above; refuse rather than read freed memory.
    return fail("internal: query buffer estimate too small");
  }
  if (!request.query.empty()) {
    std::sort(s.query.begin(), s.query.end(), [](const QueryEntry& a, const QueryEntry& b) {
      return a.name != b.name ? a.name < b.name : a.value < b.value;
    });
  }
  s.canonical_query.clear();
  for (std::size_t i = 0; i < s.query.size(); ++i) {
    if (i > 0) s.canonical_query.push_back('&');
    s.canonical_query.append(s.query[i].name).push_back('=');
    s.canonical_query.append(s.query[i].value);
  }

  // --- Canonical request -----------------------------------------------------
  std::string& creq = s.canonical_request;
  creq.clear();
  creq.append(request.method).push_back('\n');
  creq.append(s.path).push_back('\n');
  creq.append(s.canonical_query).push_back('\n');
  for (const auto& h : s.headers) {
    creq.append(h.lower_name).push_back(':');
    if (h.lower_name == "host") {
      if (virtual_host) creq.append(request.bucket).push_back('.');
      creq.append(endpoint.host);
      if (endpoint.port != 0) {
        creq.push_back(':');
        append_number(creq, endpoint.port);
      }
    } else {
      append_canonical_value(creq, h.value);
    }
    creq.push_back('\n');
  }
  creq.push_back('\n');
  for (std::size_t i = 0; i < s.headers.size(); ++i) {
    if (i > 0) creq.push_back(';');
    creq.append(s.headers[i].lower_name);
  }
  creq.push_back('\n');
  creq.append(payload_hash);

  // --- String to sign and signature -------------------------------------------
  std::string& sts = s.string_to_sign;
  sts.clear();
  sts.append(kAlgorithm).push_back('\n');
  sts.append(view(amz_date)).push_back('\n');
  sts.append(view(scope_date)).push_back('/');
  sts.append(region).append("/s3/aws4_request\n");
  append_hex(sts, sha256(creq));

  SigningKeyCache& keys = cache ? *cache : SigningKeyCache::global();
  const auto key = keys.get(credentials.secret_access_key, view(scope_date), region, "s3");
  const Sha256Digest signature = key->mac(sts);

  // --- The URL, in one allocation ---------------------------------------------
  PresignedUrl result;
  std::string& url = result.url;
  const std::size_t host_size = (virtual_host ? request.bucket.size() + 1 : 0) +
                                endpoint.host.size() + (endpoint.port ? 6 : 0);
  url.reserve(endpoint.scheme.size() + 3 + host_size + s.path.size() + 1 +
              s.canonical_query.size() + 17 + 64);
  url.append(endpoint.scheme).append("://");
  if (virtual_host) url.append(request.bucket).push_back('.');
  url.append(endpoint.host);
  if (endpoint.port != 0) {
    url.push_back(':');
    append_number(url, endpoint.port);
  }
  url.append(s.path).push_back('?');
  url.append(s.canonical_query).append("&X-Amz-Signature=");
  append_hex(url, signature);

  result.method = std::string(request.method);
  result.headers.reserve(request.headers.size());
  for (const auto& h : request.headers)
    result.headers.push_back({std::string(h.name), std::string(h.value)});
  result.expires_at = request.time + request.expires;
  return result;
}

}  // namespace upgate::sigv4
