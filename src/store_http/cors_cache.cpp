// Parsed CORS configurations by bucket.
#include "cors_cache.hpp"

namespace upgate::store {

namespace {
constexpr std::size_t kMaxEntries = 4096;  // bounded: buckets are few in practice
}

std::optional<CorsCache::Config> CorsCache::find(const std::string& bucket) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(bucket);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

CorsCache::Version CorsCache::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

bool CorsCache::put(const std::string& bucket, Config config, Version read_at) {
  std::lock_guard lock(mutex_);
  // One counter for all buckets: a change to any bucket during the read only costs
  // this load its cache entry, never correctness.
  if (read_at != version_) return false;
  if (entries_.size() > kMaxEntries) entries_.clear();
  entries_[bucket] = std::move(config);
  return true;
}

void CorsCache::forget(const std::string& bucket) {
  std::lock_guard lock(mutex_);
  ++version_;
  entries_.erase(bucket);
}

}  // namespace upgate::store
