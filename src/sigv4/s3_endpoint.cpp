// S3 endpoints: parsing an endpoint URL, and the virtual-hosted or path-style rule
// every URL upgate builds for a bucket follows.
#include "upgate/sigv4/s3_endpoint.hpp"

#include <algorithm>
#include <charconv>

#include "string_writer.hpp"
#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

// S3's rules for a bucket that can be a DNS label: 3-63 of [a-z0-9.-],
// alphanumeric at both ends, no empty or dash-edged labels, not an IPv4 address.
bool dns_compatible_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  if (!text::is_lower_or_digit(b.front()) || !text::is_lower_or_digit(b.back())) return false;
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    const char c = b[i];
    if (!text::is_lower_or_digit(c) && c != '.' && c != '-') return false;
    if (c == '.' && (b[i + 1] == '.' || b[i + 1] == '-')) return false;
    if (c == '-' && b[i + 1] == '.') return false;
  }
  return !text::is_dotted_quad(b);
}

std::uint16_t default_port(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

void append_port(std::string& out, std::uint16_t port) {
  char digits[8];
  const auto end = std::to_chars(digits, digits + sizeof digits, port).ptr;
  out.push_back(':');
  out.append(digits, end);
}

}  // namespace

Expected<S3Endpoint, SignError> S3Endpoint::parse(std::string_view url, bool path_style) {
  S3Endpoint e;
  e.path_style = path_style;
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return fail("endpoint must look like http[s]://host[:port]");
  std::string scheme(url.substr(0, sep));
  text::lower_in_place(scheme);
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
          return text::is_hex_digit(c) || c == ':' || c == '.';
        })) {
      return fail("endpoint has a malformed IPv6 address");
    }
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), [](char c) {
          return text::is_alnum(c) || c == '-' || c == '.' || c == '_';
        })) {
      return fail("endpoint host is missing or malformed");
    }
  }
  e.host = std::string(host);
  text::lower_in_place(e.host);
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
  if (port != 0) append_port(out, port);
  return out;
}

bool S3Endpoint::virtual_hosted_for(std::string_view bucket) const {
  // Virtual-hosted only where the bucket can be a DNS label (and, for TLS, a
  // single one the wildcard certificate covers).
  return !path_style && dns_compatible_bucket(bucket) &&
         !(scheme == "https" && bucket.find('.') != std::string_view::npos) &&
         !text::is_ip_literal_host(host);
}

void S3Endpoint::append_url(std::string& out, std::string_view bucket, std::string_view key) const {
  const bool virtual_host = virtual_hosted_for(bucket);
  char port_digits[8];
  const std::string_view port_text(
      port_digits,
      port == 0 ? 0 : std::to_chars(port_digits, port_digits + 8, port).ptr - port_digits);
  // scheme :// [bucket .] host [: port] / [bucket /] key, bucket and key encoded.
  StringWriter url(out, scheme.size() + 3 + host.size() + 1 + port_text.size() + 1 +
                            3 * bucket.size() + 1 + 3 * key.size());
  url.put(scheme);
  url.put("://");
  if (virtual_host) {
    url.put(bucket);
    url.put('.');
  }
  url.put(host);
  if (port != 0) {
    url.put(':');
    url.put(port_text);
  }
  url.put('/');
  if (!virtual_host) {
    url.put_uri_encoded(bucket, /*encode_slash=*/true);
    if (!key.empty()) url.put('/');
  }
  url.put_uri_encoded(key, /*encode_slash=*/false);
}

}  // namespace upgate::sigv4
