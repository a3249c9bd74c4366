// upgate::auth::VerifiedTokenCache: tokens that verified, so the same bearer token does
// not pay for a signature check on every request.
//
// Keyed by the SHA-256 of the token (the token itself is never stored), each entry holds
// the principal, the moment the token stops being acceptable (VerifiedJwt::valid_before)
// and the key-set generation it was verified under. find() misses when the entry has run
// out or the key set has changed since (a key removed from the JWKS must stop working
// at once, not when cached results age out). Refusals are not cached: a refused token
// costs its verification each time (the signature is checked last but for the claims, and
// parsing is bounded).
//
// Bounded: at most `capacity` entries, spread over 16 independently locked shards; a full
// shard first drops expired entries, then its oldest. Thread-safe; a lookup holds one
// shard's mutex for a hash-map probe.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "upgate/auth/principal.hpp"

namespace upgate::auth {

class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(std::size_t capacity = 16384);

  // The principal for `token`, or null when not cached, expired at `now`, or verified
  // under another key-set generation.
  PrincipalPtr find(std::string_view token, std::chrono::sys_seconds now, std::uint64_t generation);
  void insert(std::string_view token, PrincipalPtr principal, std::chrono::sys_seconds valid_before,
              std::uint64_t generation);

  std::size_t size() const;
  std::size_t capacity() const noexcept { return shard_capacity_ * kShards; }

 private:
  static constexpr std::size_t kShards = 16;
  using Digest = std::array<std::uint8_t, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };
  struct Entry {
    PrincipalPtr principal;
    std::chrono::sys_seconds valid_before;
    std::uint64_t generation;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<Digest, Entry, DigestHash> entries;
    std::deque<Digest> order;  // insertion order, for eviction
  };

  std::size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace upgate::auth
