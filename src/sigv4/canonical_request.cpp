// SigV4 canonical requests: query and header canonicalisation.
#include "upgate/sigv4/canonical_request.hpp"

#include <algorithm>
#include <utility>

#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

// What SigV4 squeezes in a header value: blanks, and the CR LF of a folded line.
constexpr bool is_header_space(char c) {
  return text::is_ows(c) || c == '\r' || c == '\n';
}

}  // namespace

std::optional<std::vector<QueryParam>> parse_query(std::string_view raw_query) {
  std::vector<QueryParam> params;
  std::size_t pos = 0;
  while (pos <= raw_query.size()) {
    std::size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) amp = raw_query.size();
    const std::string_view piece = raw_query.substr(pos, amp - pos);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      auto name = percent_decode(piece.substr(0, eq), /*plus_as_space=*/true);
      auto value = eq == std::string_view::npos
                       ? std::optional<std::string>(std::string())
                       : percent_decode(piece.substr(eq + 1), /*plus_as_space=*/true);
      if (!name || !value) return std::nullopt;
      params.push_back({std::move(*name), std::move(*value)});
    }
    pos = amp + 1;
  }
  return params;
}

std::string canonical_query_string(std::span<const QueryParam> params, std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& p : params) {
    if (!skip.empty() && p.name == skip) continue;
    encoded.emplace_back(uri_encode(p.name), uri_encode(p.value));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(name).push_back('=');
    out.append(value);
  }
  return out;
}

std::string canonical_header_value(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (const char c : raw) {
    if (is_header_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

Expected<CanonicalRequest, CanonicalRequestError> build_canonical_request(
    const RequestView& request, std::span<const std::string_view> signed_headers,
    std::string_view payload_hash, CanonicalUriOptions uri, std::string_view skip_query_param) {
  const std::size_t question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view raw_query =
      question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);

  const auto canonical_path = canonical_uri(path, uri);
  if (!canonical_path) return Unexpected(CanonicalRequestError::kMalformedPath);
  const auto params = parse_query(raw_query);
  if (!params) return Unexpected(CanonicalRequestError::kMalformedQuery);

  std::vector<std::string> names;
  if (signed_headers.empty()) {
    for (const auto& h : request.headers) names.push_back(text::lower(h.name));
  } else {
    for (const auto name : signed_headers) names.push_back(text::lower(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  CanonicalRequest result;
  std::string& text = result.text;
  text.reserve(256 + request.target.size() * 2);
  text.append(request.method).push_back('\n');
  text.append(*canonical_path).push_back('\n');
  text.append(canonical_query_string(*params, skip_query_param)).push_back('\n');
  for (const auto& name : names) {
    text.append(name).push_back(':');
    bool first = true;
    for (const auto& h : request.headers) {
      if (!text::iequals(h.name, name)) continue;
      if (!first) text.push_back(',');
      text.append(canonical_header_value(h.value));
      first = false;
    }
    text.push_back('\n');
    if (!result.signed_headers.empty()) result.signed_headers.push_back(';');
    result.signed_headers.append(name);
  }
  text.push_back('\n');
  text.append(result.signed_headers).push_back('\n');
  text.append(payload_hash);
  return result;
}

}  // namespace upgate::sigv4
