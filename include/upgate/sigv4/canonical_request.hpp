// The canonical request of SigV4, built from a RequestView:
//
//   METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
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
#include "upgate/sigv4/uri_encoding.hpp"

namespace upgate::sigv4 {

struct QueryParam {
  std::string name;   // decoded
  std::string value;  // decoded
};

// Splits and decodes a raw query string (the part after `?`). `+` decodes to a
// space. nullopt on a malformed percent escape.
std::optional<std::vector<QueryParam>> parse_query(std::string_view raw_query);

// `skip` names a parameter left out (X-Amz-Signature when verifying a
// presigned URL).
std::string canonical_query_string(std::span<const QueryParam> params, std::string_view skip = {});

// SigV4's header value canonicalisation: trim, squeeze inner runs of spaces
// (also across folded continuation lines), keep everything else.
std::string canonical_header_value(std::string_view raw);

struct CanonicalRequest {
  std::string text;            // the whole canonical request
  std::string signed_headers;  // e.g. "content-type;host;x-amz-date"
};

enum class CanonicalRequestError { kMalformedPath, kMalformedQuery };

// Signs the headers named in `signed_headers` (lower-case); a named header the
// request lacks canonicalises to an empty value, which then cannot match.
// With an empty `signed_headers`, every header of the request is signed.
Expected<CanonicalRequest, CanonicalRequestError> build_canonical_request(
    const RequestView& request, std::span<const std::string_view> signed_headers,
    std::string_view payload_hash, CanonicalUriOptions uri = {},
    std::string_view skip_query_param = {});

}  // namespace upgate::sigv4
