// Canonicalising requests for SigV4: the query's encoding and order, and which
// header values are signed under which name.
#include "upgate/sigv4/canonical_request.hpp"

#include <algorithm>
#include <utility>

#include "string_writer.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

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

void append_canonical_query(std::string& out, std::span<EncodedQueryParam> params) {
  // std::sort would do; a handful of parameters is sorted fastest by insertion.
  const auto less = [](const EncodedQueryParam& a, const EncodedQueryParam& b) {
    const int by_name = a.name.compare(b.name);
    return by_name != 0 ? by_name < 0 : a.value < b.value;
  };
  for (std::size_t i = 1; i < params.size(); ++i) {
    const EncodedQueryParam next = params[i];
    std::size_t j = i;
    for (; j > 0 && less(next, params[j - 1]); --j) params[j] = params[j - 1];
    params[j] = next;
  }
  std::size_t size = 0;
  for (const EncodedQueryParam& p : params) size += p.name.size() + p.value.size() + 2;
  StringWriter query(out, size);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i > 0) query.put('&');
    query.put(params[i].name);
    query.put('=');
    query.put(params[i].value);
  }
}

std::string canonical_query_string(std::span<const QueryParam> params, std::string_view skip) {
  std::vector<std::string> text;  // encoded name, encoded value, ...
  text.reserve(2 * params.size());
  for (const QueryParam& p : params) {
    if (!skip.empty() && p.name == skip) continue;
    text.push_back(uri_encode(p.name));
    text.push_back(uri_encode(p.value));
  }
  std::vector<EncodedQueryParam> encoded;
  encoded.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) encoded.push_back({text[i], text[i + 1]});
  std::string out;
  append_canonical_query(out, encoded);
  return out;
}

Expected<CanonicalizedRequest, CanonicalRequestError> canonicalize_request(
    const RequestView& request, std::span<const std::string_view> signed_headers,
    CanonicalUriOptions uri, std::string_view skip_query_param) {
  const std::size_t question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view raw_query =
      question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);

  CanonicalizedRequest out;
  out.method = request.method;
  auto canonical_path = canonical_uri(path, uri);
  if (!canonical_path) return Unexpected(CanonicalRequestError::kMalformedPath);
  out.uri = std::move(*canonical_path);
  const auto params = parse_query(raw_query);
  if (!params) return Unexpected(CanonicalRequestError::kMalformedQuery);
  out.query = canonical_query_string(*params, skip_query_param);

  // The names first, lower-cased and each once; the headers point into them.
  if (signed_headers.empty()) {
    for (const HeaderView& h : request.headers) out.names.push_back(text::lower(h.name));
  } else {
    for (const std::string_view name : signed_headers) out.names.push_back(text::lower(name));
  }
  std::sort(out.names.begin(), out.names.end());
  out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
  for (const std::string& name : out.names) {
    const std::size_t before = out.headers.size();
    for (const HeaderView& h : request.headers) {
      if (text::iequals(h.name, name)) out.headers.push_back({name, h.value});
    }
    if (out.headers.size() == before) out.headers.push_back({name, {}});
  }
  return out;
}

Expected<CanonicalRequest, CanonicalRequestError> build_canonical_request(
    const RequestView& request, std::span<const std::string_view> signed_headers,
    std::string_view payload_hash, CanonicalUriOptions uri, std::string_view skip_query_param) {
  auto canonical = canonicalize_request(request, signed_headers, uri, skip_query_param);
  if (!canonical) return Unexpected(canonical.error());
  CanonicalRequest result;
  result.text = canonical_request(canonical->parts(payload_hash));
  append_signed_headers(result.signed_headers, canonical->headers);
  return result;
}

}  // namespace upgate::sigv4
