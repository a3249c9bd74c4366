// Internal: parsed bucket CORS configurations, so a cross-origin request does not read
// and parse the bucket's XML every time. Loaded on first use (s3_cors_handlers.cpp);
// the service drops an entry whenever it changes the bucket's configuration, and the
// whole cache past 4096 buckets. Thread-safe.
#pragma once

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
  // nullopt: not cached (the bucket may not exist).
  std::optional<Config> find(const std::string& bucket) const;
  void put(const std::string& bucket, Config config);
  void forget(const std::string& bucket);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Config> entries_;
};

}  // namespace upgate::store
