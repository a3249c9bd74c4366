// The JWKS cache with an injected fetcher and clock: max-age, failures, unknown kids,
// rotation, and the fixed keys beside the fetched ones.
#include "upgate/auth/jwks_cache.hpp"

#include <gtest/gtest.h>

#include "jwt_vectors.hpp"

namespace upgate::auth {
namespace {

using namespace std::chrono_literals;
using testing::vectors;

// A fetcher that serves whatever the test sets, and counts its calls.
struct FakeProvider {
  std::string body = vectors().jwks_text("jwks");
  std::string cache_control = "public, max-age=600";
  bool down = false;
  int fetches = 0;

  JwksFetcher fetcher() {
    return [this]() -> Expected<JwksResponse, std::string> {
      ++fetches;
      if (down) return Unexpected(std::string("connection refused"));
      return JwksResponse{body, cache_control};
    };
  }
};

struct FakeClock {
  std::chrono::sys_seconds now = vectors().now;
  Clock clock() {
    return [this] { return now; };
  }
};

std::vector<std::string> kids(const JwksCache& cache) {
  std::vector<std::string> out;
  for (const KeyPtr& k : cache.keys()->keys()) out.push_back(k->kid().value_or("-"));
  return out;
}

TEST(CacheControl, MaxAgeAndItsOverrides) {
  EXPECT_EQ(cache_control_max_age("max-age=600"), 600s);
  EXPECT_EQ(cache_control_max_age("public, max-age=86400, must-revalidate"), 86400s);
  EXPECT_EQ(cache_control_max_age("Max-Age=\"30\""), 30s);
  EXPECT_EQ(cache_control_max_age("no-cache, max-age=600"), 0s);
  EXPECT_EQ(cache_control_max_age("no-store"), 0s);
  EXPECT_EQ(cache_control_max_age(""), std::nullopt);
  EXPECT_EQ(cache_control_max_age("public"), std::nullopt);
  EXPECT_EQ(cache_control_max_age("max-age=-1"), std::nullopt);
  EXPECT_EQ(cache_control_max_age("max-age=1x"), std::nullopt);
  EXPECT_EQ(cache_control_max_age("max-age=99999999999999"), std::nullopt);
  EXPECT_EQ(cache_control_max_age("max-age=5, max-age=7"), 5s);  // the first counts
}

TEST(JwksCache, WithoutFetcherTheFixedKeysAreTheSet) {
  JwksCache cache(vectors().key_set("jwks"));
  EXPECT_TRUE(cache.ready());
  EXPECT_EQ(cache.keys()->size(), 5u);
  EXPECT_FALSE(cache.refresh());
  EXPECT_FALSE(cache.unknown_kid_refresh_allowed());
  EXPECT_EQ(cache.step(), std::chrono::sys_seconds::max());
}

TEST(JwksCache, NotReadyUntilTheFirstFetch) {
  FakeProvider provider;
  FakeClock clock;
  JwksCache cache(KeySet(), provider.fetcher(), clock.clock());
  EXPECT_FALSE(cache.ready());
  EXPECT_TRUE(cache.keys()->empty());
  EXPECT_TRUE(cache.refresh());
  EXPECT_TRUE(cache.ready());
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"rsa-1", "ec-1", "ed-1", "ec384-1"}));
  EXPECT_EQ(provider.fetches, 1);
}

TEST(JwksCache, FixedKeysComeFirstAndStay) {
  FakeProvider provider;
  FakeClock clock;
  auto secret = VerificationKey::from_shared_secret(vectors().hs_secret, "hs");
  JwksCache cache(KeySet({std::make_shared<const VerificationKey>(std::move(*secret))}),
                  provider.fetcher(), clock.clock());
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"hs"}));
  ASSERT_TRUE(cache.refresh());
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"hs", "rsa-1", "ec-1", "ed-1", "ec384-1"}));
  provider.body = vectors().jwks_text("jwks_rotated");
  clock.now += 600s;
  cache.step();
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"hs", "rsa-2", "ec-1"}));
}

TEST(JwksCache, RefreshesWhenMaxAgeRunsOut) {
  FakeProvider provider;
  FakeClock clock;
  JwksCache cache(KeySet(), provider.fetcher(), clock.clock());
  EXPECT_EQ(cache.step(), clock.now + 600s);  // the first step fetches
  EXPECT_EQ(provider.fetches, 1);
  clock.now += 599s;
  EXPECT_EQ(cache.step(), vectors().now + 600s);
  EXPECT_EQ(provider.fetches, 1);
  clock.now += 1s;
  provider.body = vectors().jwks_text("jwks_rotated");
  const auto generation = cache.generation();
  cache.step();
  EXPECT_EQ(provider.fetches, 2);
  EXPECT_EQ(cache.generation(), generation + 1);
  // Rotation: rsa-1 is gone, rsa-2 is there.
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"rsa-2", "ec-1"}));
}

TEST(JwksCache, MaxAgeIsClamped) {
  FakeProvider provider;
  FakeClock clock;
  JwksTiming timing;
  JwksCache cache(KeySet(), provider.fetcher(), clock.clock(), timing);
  provider.cache_control = "no-store";
  EXPECT_EQ(cache.step(), clock.now + timing.min_max_age);
  provider.cache_control = "max-age=31536000";
  clock.now += timing.min_max_age;
  EXPECT_EQ(cache.step(), clock.now + timing.max_max_age);
  provider.cache_control = "";
  clock.now += timing.max_max_age;
  EXPECT_EQ(cache.step(), clock.now + timing.default_max_age);
}

TEST(JwksCache, AFailedRefreshKeepsTheLastGoodSet) {
  FakeProvider provider;
  FakeClock clock;
  std::vector<JwksEvent> events;
  JwksCache cache(KeySet(), provider.fetcher(), clock.clock(), {}, {},
                  [&events](const JwksEvent& e) { events.push_back(e); });
  ASSERT_TRUE(cache.refresh());
  const auto generation = cache.generation();
  clock.now += 600s;
  provider.down = true;
  EXPECT_EQ(cache.step(), clock.now + 30s);  // retried after retry_after_failure
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"rsa-1", "ec-1", "ed-1", "ec384-1"}));
  EXPECT_EQ(cache.generation(), generation);
  EXPECT_TRUE(cache.ready());
  // A document that is not a JWK Set, or one with no usable key, is a failure too.
  provider.down = false;
  provider.body = "{\"keys\":[{\"kty\":\"PQ\"}]}";
  clock.now += 30s;
  cache.step();
  provider.body = "<html>";
  clock.now += 30s;
  cache.step();
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"rsa-1", "ec-1", "ed-1", "ec384-1"}));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kind, JwksEvent::Kind::kRefreshed);
  EXPECT_EQ(events[0].keys, 4u);
  EXPECT_EQ(events[1].kind, JwksEvent::Kind::kRefreshFailed);
  EXPECT_EQ(events[1].error, "connection refused");
  EXPECT_EQ(events[2].error, "the JWK Set holds no usable key (1 refused)");
  EXPECT_EQ(events[2].rejected.size(), 1u);
  EXPECT_NE(events[3].error.find("not valid JSON"), std::string::npos);
}

TEST(JwksCache, DownAtStartStaysNotReadyAndRetries) {
  FakeProvider provider;
  provider.down = true;
  FakeClock clock;
  JwksCache cache(KeySet(), provider.fetcher(), clock.clock());
  EXPECT_FALSE(cache.refresh());
  EXPECT_FALSE(cache.ready());
  EXPECT_EQ(cache.step(), clock.now + 30s);  // not due yet: no second fetch
  EXPECT_EQ(provider.fetches, 1);
  provider.down = false;
  clock.now += 30s;
  cache.step();
  EXPECT_TRUE(cache.ready());
  EXPECT_EQ(provider.fetches, 2);
}

TEST(JwksCache, UnknownKidRefreshesAtMostOncePer30Seconds) {
  FakeProvider provider;
  FakeClock clock;
  JwksCache cache(KeySet(), provider.fetcher(), clock.clock());
  ASSERT_TRUE(cache.refresh());
  // The start-up fetch counts: a kid arriving 10 s later waits for the interval.
  clock.now += 10s;
  EXPECT_FALSE(cache.unknown_kid_refresh_allowed());
  EXPECT_FALSE(cache.refresh_for_unknown_kid());
  EXPECT_EQ(provider.fetches, 1);
  clock.now += 20s;
  EXPECT_TRUE(cache.unknown_kid_refresh_allowed());
  provider.body = vectors().jwks_text("jwks_rotated");
  EXPECT_TRUE(cache.refresh_for_unknown_kid());
  EXPECT_EQ(provider.fetches, 2);
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"rsa-2", "ec-1"}));
  // A flood of made-up kids: no fetch until 30 s have passed again.
  for (int i = 0; i < 100; ++i) {
    clock.now += 0s;
    EXPECT_FALSE(cache.refresh_for_unknown_kid());
  }
  clock.now += 29s;
  EXPECT_FALSE(cache.refresh_for_unknown_kid());
  EXPECT_EQ(provider.fetches, 2);
  clock.now += 1s;
  provider.down = true;
  EXPECT_FALSE(cache.refresh_for_unknown_kid());  // it fetched, and failed
  EXPECT_EQ(provider.fetches, 3);
  EXPECT_EQ(kids(cache), (std::vector<std::string>{"rsa-2", "ec-1"}));
  clock.now += 10s;
  EXPECT_FALSE(cache.refresh_for_unknown_kid());  // a failure counts as an attempt
  EXPECT_EQ(provider.fetches, 3);
}

TEST(JwksCache, AFetcherThatThrowsIsAFailedRefresh) {
  FakeClock clock;
  JwksCache cache(
      KeySet(), []() -> Expected<JwksResponse, std::string> { throw std::runtime_error("boom"); },
      clock.clock());
  EXPECT_FALSE(cache.refresh());
  EXPECT_FALSE(cache.ready());
}

TEST(JwksCache, OctKeysInAFetchedSetAreRefused) {
  FakeProvider provider;
  provider.body =
      R"({"keys":[{"kty":"oct","kid":"s","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]})";
  FakeClock clock;
  JwksCache cache(KeySet(), provider.fetcher(), clock.clock());
  EXPECT_FALSE(cache.refresh());
}

TEST(JwksCache, BackgroundThreadFetchesAndStops) {
  FakeProvider provider;
  std::mutex mutex;
  std::condition_variable fetched;
  int events = 0;
  JwksCache cache(KeySet(), provider.fetcher(), {}, {}, {}, [&](const JwksEvent&) {
    std::lock_guard lock(mutex);
    ++events;
    fetched.notify_all();
  });
  cache.start();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(fetched.wait_for(lock, 10s, [&] { return events > 0; }));
  }
  EXPECT_TRUE(cache.ready());
  cache.stop();
  cache.stop();  // idempotent
}

}  // namespace
}  // namespace upgate::auth
