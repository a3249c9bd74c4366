// Verified tokens by SHA-256, sharded, bounded, checked against time and key generation.
#include "upgate/auth/verified_token_cache.hpp"

#include <algorithm>
#include <cstring>

#include "upgate/sigv4/crypto.hpp"

namespace upgate::auth {

std::size_t VerifiedTokenCache::DigestHash::operator()(const Digest& d) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);  // a SHA-256 is uniform already
  return h;
}

VerifiedTokenCache::VerifiedTokenCache(std::size_t capacity)
    : shard_capacity_(std::max<std::size_t>(1, (capacity + kShards - 1) / kShards)) {}

PrincipalPtr VerifiedTokenCache::find(std::string_view token, std::chrono::sys_seconds now,
                                      std::uint64_t generation) {
  const Digest digest = sigv4::sha256(token);
  Shard& shard = shards_[digest[31] % kShards];
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(digest);
  if (it == shard.entries.end()) return nullptr;
  if (now >= it->second.valid_before || it->second.generation != generation) {
    shard.entries.erase(it);  // its place in `order` is skipped when it comes up
    return nullptr;
  }
  return it->second.principal;
}

void VerifiedTokenCache::insert(std::string_view token, PrincipalPtr principal,
                                std::chrono::sys_seconds valid_before, std::uint64_t generation) {
  const Digest digest = sigv4::sha256(token);
  Shard& shard = shards_[digest[31] % kShards];
  std::lock_guard lock(shard.mutex);
  if (shard.entries.size() >= shard_capacity_ || shard.order.size() >= 2 * shard_capacity_) {
    // Oldest first; entries already erased by find() leave stale digests in the queue.
    while (!shard.order.empty() &&
           (shard.entries.size() >= shard_capacity_ || shard.order.size() >= 2 * shard_capacity_)) {
      shard.entries.erase(shard.order.front());
      shard.order.pop_front();
    }
  }
  const auto [it, inserted] =
      shard.entries.insert_or_assign(digest, Entry{std::move(principal), valid_before, generation});
  (void)it;
  if (inserted) shard.order.push_back(digest);
}

std::size_t VerifiedTokenCache::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace upgate::auth
