// The SigV4 algorithm, once, one function per step (the shape of MinIO's
// signature-v4.go). Header signing, query signing, presigned URLs and
// verification all run these same four steps; they differ only in where the
// parts of the canonical request come from.
//
//   1. canonical request  METHOD \n URI \n QUERY \n name:value \n ... \n \n signed;headers \n
//   PAYLOAD
//   2. string to sign     AWS4-HMAC-SHA256 \n X-Amz-Date \n scope \n hex(SHA-256(canonical
//   request))
//   3. signing key        HMAC chain over date, region, service (SigningKey; cached)
//   4. signature          hex(HMAC(signing key, string to sign))   (SigningKey::sign)
//
// Step 1 writes its bytes either into a string (to show what was signed: traces,
// SignatureDoesNotMatch reports) or straight into SHA-256 without building the
// text (the presign hot path). One writer produces both, so the hash is always
// the hash of the text.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/signing_key.hpp"

namespace upgate::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// ---------------------------------------------------------------------------
// Step 1: the canonical request

struct CanonicalHeader {
  std::string_view name;   // lower-case
  std::string_view value;  // as sent: written trimmed, inner runs of blanks squeezed to one
};

struct CanonicalRequestParts {
  std::string_view method;
  std::string_view uri;    // the canonical URI (canonical_uri(), or an encoded S3 path)
  std::string_view query;  // the canonical query string (append_canonical_query())
  // The signed headers in canonical order (sort_canonical_headers()); the values of
  // a repeated name are joined with ',' in the order given.
  std::span<const CanonicalHeader> headers;
  std::string_view payload_hash;
};

// Orders headers as the canonical request lists them: by name, the values of a
// repeated name keeping their order.
void sort_canonical_headers(std::span<CanonicalHeader> headers);

// The text, for showing what was signed.
std::string canonical_request(const CanonicalRequestParts& parts);
// SHA-256 of that text, computed as it is written: nothing is built or allocated.
Sha256Digest canonical_request_hash(const CanonicalRequestParts& parts);

// The signed header names of sorted headers, each once, joined by ';'.
void append_signed_headers(std::string& out, std::span<const CanonicalHeader> headers);

// SigV4's header value canonicalisation: trim, squeeze inner runs of spaces
// (also across folded continuation lines), keep everything else.
std::string canonical_header_value(std::string_view raw);

// ---------------------------------------------------------------------------
// Step 2: the string to sign

// `scope` is date/region/service/aws4_request (append_credential_scope()).
void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           const Sha256Digest& canonical_request_hash);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           const Sha256Digest& canonical_request_hash);
// The same from the canonical request's text.
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

// ---------------------------------------------------------------------------
// Steps 3 and 4: SigningKey (signing_key.hpp) is the signing key, derived once a
// day and cached, and its sign() the signature.

}  // namespace upgate::sigv4
