// Shared helpers for the store's unit tests: one-liners to store and read back bytes
// through the real engine (the temp dir is tests/support's TempDir).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "store/blob_store.hpp"
#include "store/object_reader.hpp"
#include "support/temp_dir.hpp"

namespace upgate::store::testing {

using upgate::testing::TempDir;

inline std::span<const std::byte> bytes_of(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// Reads the whole object through read_at in chunks of `chunk` bytes.
inline std::string read_all(const ObjectReader& reader, std::size_t chunk = 7) {
  std::string out;
  std::string buffer(chunk, '\0');
  std::uint64_t offset = 0;
  for (;;) {
    auto got = reader.read_at(offset, std::as_writable_bytes(std::span(buffer.data(), chunk)));
    if (!got) {
      ADD_FAILURE() << got.error().message;
      return out;
    }
    if (*got == 0) return out;
    out.append(buffer.data(), *got);
    offset += *got;
  }
}

// Deterministic pseudo-random bytes (splitmix64), so a test can regenerate an
// object's expected content from its seed alone.
inline std::string pseudo_random_bytes(std::uint64_t seed, std::size_t size) {
  std::string out(size, '\0');
  std::uint64_t x = seed;
  for (std::size_t i = 0; i < size; i += 8) {
    x += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (std::size_t k = 0; k < 8 && i + k < size; ++k)
      out[i + k] = static_cast<char>(z >> (8 * k));
  }
  return out;
}

}  // namespace upgate::store::testing
