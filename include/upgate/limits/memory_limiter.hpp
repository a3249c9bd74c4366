// upgate::limits::MemoryLimiter: the limits of one process, in memory, with no dependency.
//
// State lives in 64 shards, each a hash map behind its own mutex, so concurrent requests
// for different keys rarely meet; one admission locks the shards of its keys in index
// order (no deadlock) and holds them for the few hundred nanoseconds of the arithmetic.
// A key's rate, open-upload and quota state share a shard, so the upload API's full set
// (the profile's key and the caller's) locks two.
//
// Memory is bounded by `max_keys` (rate buckets, quota counters and open-upload sets
// together; about 200 bytes each with keys of up to 128 bytes, and an open-upload set
// 75 to 150 bytes more per open upload with no allocation of its own: ids of up to 16
// bytes as they are and longer ones as 16 bytes of their SHA-256, in an open-addressed
// table, their expiries in order, so an admission costs O(1) when a key's slots share
// one ttl and O(log n) at worst, up to 100,000 open). State that has run out
// (a bucket full again, a quota window over, every slot expired) is the same as no state:
// it is reused in place when its key comes back, each insertion drops the dead entries of
// the next few buckets, and a full shard drops a dead entry from a sample of 64. When the
// sample has none, the sampled entry closest to running out is evicted (counted in
// live_evictions: its owner gets a fresher bucket than it earned, the price of the bound).
//
// The clock is injected (microseconds since the Unix epoch; wall time, since quota windows
// are UTC hours and days), so tests step time by hand.
#pragma once

#include <upgate/limits/limiter.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace upgate::limits {

using Clock = std::function<std::chrono::microseconds()>;
// The system clock, microseconds since the epoch.
std::chrono::microseconds system_clock_now();

struct MemoryLimiterOptions {
  std::size_t max_keys = 1'000'000;
  Clock clock = system_clock_now;
};

struct MemoryLimiterStats {
  std::size_t keys = 0;
  std::uint64_t expired_evictions = 0;  // dead state dropped to make room
  std::uint64_t live_evictions = 0;     // live state dropped because the bound was reached
};

class MemoryLimiter final : public Limiter {
 public:
  explicit MemoryLimiter(MemoryLimiterOptions options = {});
  ~MemoryLimiter() override;
  MemoryLimiter(const MemoryLimiter&) = delete;
  MemoryLimiter& operator=(const MemoryLimiter&) = delete;

  // admit() without the coroutine, for callers that are not one (and the benchmark).
  Decision decide(const Admission& admission);
  // release_upload() without the coroutine; true when the slot was open.
  bool release(std::string_view key, std::string_view upload_id);

  boost::asio::awaitable<Decision> admit(const Admission& admission) override;
  boost::asio::awaitable<Expected<void, StoreError>> release_upload(
      std::string_view key, std::string_view upload_id) override;

  MemoryLimiterStats stats() const;

  static constexpr std::size_t kShardCount = 64;

 private:
  struct Shard;
  struct Entry;
  class Locked;

  Shard& shard_for(std::size_t hash) noexcept;

  MemoryLimiterOptions options_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<std::uint64_t> expired_evictions_{0};
  std::atomic<std::uint64_t> live_evictions_{0};
};

}  // namespace upgate::limits
