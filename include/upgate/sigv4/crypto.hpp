// Hashing primitives SigV4 is built on: SHA-256 (one-shot and streaming),
// HMAC-SHA256 with a precomputed key schedule, hex and base64, and a
// constant-time comparison for signatures.
//
// HmacKey absorbs the key's inner and outer pads once, so each later MAC costs
// only the message blocks plus one final block: that is what lets a warm presign
// run at about a million URLs per second on one core.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "upgate/text.hpp"

namespace upgate::sigv4 {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

// Incremental SHA-256 for bodies that arrive in pieces.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  void update(std::span<const std::uint8_t> data);
  Sha256Digest finish();  // the object may not be updated afterwards

  // Opaque state, sized and aligned for OpenSSL's SHA256_CTX.
  struct State {
    alignas(8) std::array<std::byte, 112> bytes;
  };

 private:
  State state_;
};

// HMAC-SHA256 key with the inner and outer pad blocks already absorbed.
class HmacKey {
 public:
  explicit HmacKey(std::string_view key);
  explicit HmacKey(std::span<const std::uint8_t> key);

  Sha256Digest mac(std::string_view message) const;

  // For many messages that begin with the same 64-byte block: the inner hash's
  // state after that block, from which mac_after() finishes each message
  // (mac_after(inner_after(m[0..64]), m[64..]) == mac(m)).
  Sha256::State inner_after(std::string_view first_block) const;
  Sha256Digest mac_after(const Sha256::State& inner, std::string_view rest) const;

 private:
  Sha256::State inner_;
  Sha256::State outer_;
};

// Lowercase hex, as SigV4 prints hashes and signatures (text.hpp's, under SigV4's names).
inline std::string hex(std::span<const std::uint8_t> bytes) {
  return text::hex_lower(bytes);
}
inline void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
  text::append_hex_lower(out, bytes);
}
inline std::string hex(const Sha256Digest& d) {
  return hex(std::span<const std::uint8_t>(d));
}

// 64 lower-case hex digits: how SigV4 writes a SHA-256 or a signature. Anything else
// (upper case included) cannot be one of ours, so parsers refuse it as malformed.
constexpr bool is_hex_sha256(std::string_view s) noexcept {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (!text::is_digit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// Hex SHA-256 of the empty string, the payload hash of a bodiless request.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string base64_encode(std::string_view bytes);
std::string base64_encode(std::span<const std::uint8_t> bytes);
// Strict standard-alphabet base64 with padding; nullopt-like empty result and
// false on any invalid character or length.
bool base64_decode(std::string_view text, std::string& out);

// Compares without an early exit, so timing tells nothing about where two
// signatures first differ. Different lengths compare unequal.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace upgate::sigv4
