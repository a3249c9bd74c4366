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

void CorsCache::put(const std::string& bucket, Config config) {
  std::lock_guard lock(mutex_);
  if (entries_.size() > kMaxEntries) entries_.clear();
  entries_[bucket] = std::move(config);
}

void CorsCache::forget(const std::string& bucket) {
  std::lock_guard lock(mutex_);
  entries_.erase(bucket);
}

}  // namespace upgate::store
