// Internal: parsed bucket CORS configurations, so a cross-origin request does not read
// and parse the bucket's XML every time. Loaded on first use (s3_cors_handlers.cpp);
// the service drops an entry whenever it changes the bucket's configuration, and the
// whole cache past 4096 buckets. Thread-safe.
//
// Versioned: a load takes version() before it reads the bucket and hands it back to
// put(), which caches nothing if forget() ran in between. So a PutBucketCors or
// DeleteBucketCors that lands between a load's read and its put() cannot leave the
// configuration it replaced in the cache.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "upgate/s3/cors.hpp"

namespace upgate::store {

class CorsCache {
 public:
  using Config = std::shared_ptr<const s3::CorsConfiguration>;  // null: none configured
  using Version = std::uint64_t;

  // nullopt: not cached (the bucket may not exist).
  std::optional<Config> find(const std::string& bucket) const;
  // Take before reading the bucket's configuration; pass to put().
  Version version() const;
  // Caches what was read at `read_at`, unless a forget() came after it. Whether it did.
  bool put(const std::string& bucket, Config config, Version read_at);
  void forget(const std::string& bucket);

 private:
  mutable std::mutex mutex_;
  Version version_ = 0;  // forget() calls so far
  std::unordered_map<std::string, Config> entries_;
};

}  // namespace upgate::store
