// Appending to a std::string through a pointer, for the SigV4 hot paths (the
// presigned URL, the canonical forms, the string to sign). The string grows
// once, by a bound the caller computes from the sizes of what it writes, and is
// trimmed to what was written when the writer goes: one size check per
// canonical form instead of one per piece. Private to the sigv4 library.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

class StringWriter {
  static constexpr std::array<std::array<char, 2>, 256> kHexPairs = [] {
    std::array<std::array<char, 2>, 256> t{};
    for (std::size_t b = 0; b < 256; ++b)
      t[b] = {text::kHexLower[b >> 4], text::kHexLower[b & 0x0f]};
    return t;
  }();

 public:
  StringWriter(std::string& out, std::size_t bound) : out_(out) {
    const std::size_t at = out.size();
    out.resize(at + bound);
    p_ = out.data() + at;
    end_ = out.data() + out.size();
  }
  ~StringWriter() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }
  StringWriter(const StringWriter&) = delete;
  StringWriter& operator=(const StringWriter&) = delete;

  void put(char c) {
    assert(p_ < end_);
    *p_++ = c;
  }
  void put(std::string_view s) {
    assert(s.size() <= static_cast<std::size_t>(end_ - p_));
    if (s.empty()) return;  // an empty view's data() may be null, which memcpy may not take
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  // SigV4's URI encoding (uri_encoding.hpp): at most three bytes out per byte in.
  void put_uri_encoded(std::string_view bytes, bool encode_slash) {
    assert(3 * bytes.size() <= static_cast<std::size_t>(end_ - p_));
    // Runs of bytes that stay are found first and copied at once: keys and
    // parameters are mostly such runs.
    const auto& stays = encode_slash ? detail::kUnreserved : detail::kUnreservedOrSlash;
    const char* p = bytes.data();
    const char* const end = p + bytes.size();
    while (p < end) {
      const char* const run = p;
      while (p < end && stays[static_cast<unsigned char>(*p)]) ++p;
      put(std::string_view(run, static_cast<std::size_t>(p - run)));
      if (p == end) return;
      const auto u = static_cast<unsigned char>(*p++);
      p_[0] = '%';
      p_[1] = text::kHexUpper[u >> 4];
      p_[2] = text::kHexUpper[u & 0x0f];
      p_ += 3;
    }
  }
  // Two lower-case hex digits per byte, both from one table look-up.
  void put_hex(std::span<const std::uint8_t> bytes) {
    assert(2 * bytes.size() <= static_cast<std::size_t>(end_ - p_));
    for (const std::uint8_t b : bytes) {
      std::memcpy(p_, kHexPairs[b].data(), 2);
      p_ += 2;
    }
  }

 private:
  std::string& out_;
  char* p_;
  char* end_;
};

}  // namespace upgate::sigv4
