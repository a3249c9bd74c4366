// The CORS cache's versioning, with the race of issue 11 forced step by step: a load
// reads the bucket's configuration, a PutBucketCors replaces it and drops the cache
// entry, and only then does the load try to cache what it read.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store_http/cors_cache.hpp"

namespace upgate::store {
namespace {

CorsCache::Config rules_for(std::string origin) {
  s3::CorsConfiguration config;
  config.rules.push_back(
      s3::CorsRule{.allowed_origins = {std::move(origin)}, .allowed_methods = {"GET"}});
  return std::make_shared<const s3::CorsConfiguration>(std::move(config));
}

TEST(CorsCacheTest, ALoadThatRacedAChangeDoesNotCacheWhatItRead) {
  CorsCache cache;
  // load_cors: takes the version, then reads the old rules from the engine ...
  const CorsCache::Version read_at = cache.version();
  const CorsCache::Config old_rules = rules_for("https://old.example");
  // ... PutBucketCors stores the new rules and forgets the bucket ...
  cache.forget("b");
  // ... and the load's put() comes last.
  EXPECT_FALSE(cache.put("b", old_rules, read_at));
  EXPECT_FALSE(cache.find("b").has_value()) << "the replaced rules were cached";

  // The next load reads the new rules and caches them.
  const CorsCache::Version again = cache.version();
  const CorsCache::Config new_rules = rules_for("https://new.example");
  EXPECT_TRUE(cache.put("b", new_rules, again));
  ASSERT_TRUE(cache.find("b").has_value());
  EXPECT_EQ(*cache.find("b"), new_rules);
}

TEST(CorsCacheTest, ALoadWithNoChangeInBetweenIsCachedAndAChangeAfterDropsIt) {
  CorsCache cache;
  const CorsCache::Version read_at = cache.version();
  EXPECT_TRUE(cache.put("b", nullptr, read_at));  // "no configuration" is cached too
  ASSERT_TRUE(cache.find("b").has_value());
  EXPECT_EQ(*cache.find("b"), nullptr);
  cache.forget("b");
  EXPECT_FALSE(cache.find("b").has_value());
}

}  // namespace
}  // namespace upgate::store
