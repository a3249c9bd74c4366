// Strict base64url (RFC 4648 §5) without padding, as JWS (RFC 7515 §2) and JWK use it, and
// the upload tokens, API keys and the store's continuation tokens. Beside base64 (crypto.hpp).
//
// Decoding accepts exactly one spelling per byte string: only A-Z a-z 0-9 '-' '_', no '='
// padding, no whitespace, no length that leaves a lone character (length % 4 == 1), and
// the unused low bits of the last character zero (RFC 4648 §3.5). A lenient decoder
// would let one signature travel under several spellings; this one refuses all but the
// canonical form.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace upgate::sigv4 {

// The decoded bytes, or nullopt when `text` is not canonical unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);

}  // namespace upgate::sigv4
