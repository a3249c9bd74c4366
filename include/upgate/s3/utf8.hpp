// upgate::s3 UTF-8 validation: S3 object keys are sequences of Unicode
// characters encoded in UTF-8, so every key, prefix and delimiter the store
// accepts is checked here first.
//
// Promises: strict RFC 3629 UTF-8 — overlong forms, UTF-16 surrogates
// (U+D800..U+DFFF), code points above U+10FFFF and truncated sequences are all
// invalid. NUL and other control characters are valid UTF-8 (S3 allows them
// in keys); callers that must refuse them check separately.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace upgate::s3 {

// Length (1..4) of the valid UTF-8 sequence starting at text[pos], or 0 when
// the bytes there are not a valid sequence. pos must be < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos);

bool is_valid_utf8(std::string_view text);

// Byte offset of the first invalid sequence, or nullopt when all is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace upgate::s3
