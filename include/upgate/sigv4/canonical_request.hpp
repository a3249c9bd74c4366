// Canonicalising an HTTP request for SigV4: its path, query and headers, as
// sent or received, turned into the parts of the canonical request
// (signature_v4.hpp) that signing and verification then hash.
//
// - CanonicalQuery: every parameter decoded then re-encoded (names and values,
//   `/` too), sorted by encoded name then encoded value, `name=value` joined by
//   `&`; a parameter without `=` becomes `name=`.
// - CanonicalHeaders: names lower-cased, values trimmed with inner runs of
//   spaces squeezed to one, repeated headers joined with `,` in request order,
//   sorted by name, each line `name:value\n`.
// - SignedHeaders: the lower-cased names joined with `;`.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/sigv4/request.hpp"
#include "upgate/sigv4/signature_v4.hpp"
#include "upgate/sigv4/uri_encoding.hpp"

namespace upgate::sigv4 {

struct QueryParam {
  std::string name;   // decoded
  std::string value;  // decoded
};

// Splits and decodes a raw query string (the part after `?`). `+` decodes to a
// space. nullopt on a malformed percent escape.
std::optional<std::vector<QueryParam>> parse_query(std::string_view raw_query);

// A query parameter already URI-encoded (name and value).
struct EncodedQueryParam {
  std::string_view name;
  std::string_view value;
};

// Appends the canonical query string of encoded parameters: sorted (in place)
// by name, then value, and joined as name=value by '&'.
void append_canonical_query(std::string& out, std::span<EncodedQueryParam> params);

// The canonical query string of decoded parameters, each encoded first. `skip`
// names a parameter left out (X-Amz-Signature when verifying a presigned URL).
std::string canonical_query_string(std::span<const QueryParam> params, std::string_view skip = {});

enum class CanonicalRequestError { kMalformedPath, kMalformedQuery };

// A request's canonical URI, query and signed headers, ready to be hashed or
// shown. The header values point into the request, which must outlive this; the
// names into `names`, hence no copies (a move keeps them in place).
struct CanonicalizedRequest {
  std::string_view method;
  std::string uri;
  std::string query;
  std::vector<std::string> names;        // lower-case
  std::vector<CanonicalHeader> headers;  // canonical order

  CanonicalizedRequest() = default;
  CanonicalizedRequest(CanonicalizedRequest&&) = default;
  CanonicalizedRequest& operator=(CanonicalizedRequest&&) = default;
  CanonicalizedRequest(const CanonicalizedRequest&) = delete;
  CanonicalizedRequest& operator=(const CanonicalizedRequest&) = delete;

  CanonicalRequestParts parts(std::string_view payload_hash) const {
    return {method, uri, query, headers, payload_hash};
  }
};

// Signs the headers named in `signed_headers`; a named header the request lacks
// canonicalises to an empty value, which then cannot match. With an empty
// `signed_headers`, every header of the request is signed.
Expected<CanonicalizedRequest, CanonicalRequestError> canonicalize_request(
    const RequestView& request, std::span<const std::string_view> signed_headers,
    CanonicalUriOptions uri = {}, std::string_view skip_query_param = {});

struct CanonicalRequest {
  std::string text;            // the whole canonical request
  std::string signed_headers;  // e.g. "content-type;host;x-amz-date"
};

// canonicalize_request(), then the canonical request's text.
Expected<CanonicalRequest, CanonicalRequestError> build_canonical_request(
    const RequestView& request, std::span<const std::string_view> signed_headers,
    std::string_view payload_hash, CanonicalUriOptions uri = {},
    std::string_view skip_query_param = {});

}  // namespace upgate::sigv4
