// principal_segment(): a principal's id (or a string claim) written as one segment of an
// object key, so that keys say whose they are (key templates' {principal}, {claim.NAME}).
//
// Ownership rests on this mapping: a download is signed for a key only when the key holds
// the caller's own segment, so two different ids must never give the same segment. The
// mapping is therefore an escaping, never a lossy replacement:
//   - ASCII letters, digits and '-' are kept; '.' is kept except as the first byte (so a
//     segment is never "." or "..", nor a hidden name);
//   - every other byte ('_', '/', '@', '|', '%', spaces, controls, each byte of a non-ASCII
//     character) becomes '_' and its two upper-case hex digits ("a/b" → "a_2Fb",
//     "a_b" → "a_5Fb", "josé" → "jos_C3_A9");
//   - when the escaped form is longer than kMaxPrincipalSegmentBytes, the segment is its
//     first bytes (at most kLongPrincipalPrefixBytes, never cutting an escape) followed by
//     "_h" and the first 128 bits of the SHA-256 of the whole id in lower-case hex.
// '_' is always followed by two upper-case hex digits or, once, by "h" and the hash, so
// the short forms decode to exactly one id and never look like a long form: the mapping
// is injective (up to a SHA-256 collision among ids longer than the limit). Upper and
// lower case stay distinct ("Alice" and "alice" are two principals, as S3 keys are
// case-sensitive), and no Unicode normalisation is applied: an id is the bytes the
// authenticator gave.
//
// The segment is a function of the id alone: an API key, a JWT and the forward-auth hook
// that report the same id act as the same principal, by design (the operator names
// principals consistently across modes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace upgate::api {

inline constexpr std::size_t kMaxPrincipalSegmentBytes = 96;
inline constexpr std::size_t kLongPrincipalPrefixBytes = 62;

// `id` must not be empty (an anonymous caller has no segment).
std::string principal_segment(std::string_view id);

// Whether principal_segment() gives `segment` for some id: the canonical escaped form, or
// a long form's shape. The shape check of keys minted for any principal uses it.
bool is_principal_segment(std::string_view segment);

}  // namespace upgate::api
