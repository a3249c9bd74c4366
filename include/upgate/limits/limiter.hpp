// upgate::limits::Limiter: the one call the upload API makes per request, and the release
// of an upload slot. Two backends keep the same contract and give the same answers:
// MemoryLimiter (one process, no dependency) and RedisLimiter (many copies share limits).
//
//   Decision d = co_await limiter.admit(admission);      // once, before signing
//   if (!d.allowed) -> 429 (or 503 for store_unavailable), refusal_message(d) as the error,
//                      ratelimit_fields(d) as RateLimit-Policy / RateLimit / Retry-After
//   if (d.reason == Reason::store_unavailable) -> log d.store_error, count it
//   ...
//   co_await limiter.release_upload(key, upload_id);     // the upload completed or aborted
//
// Contract:
// - admit() is a coroutine on the caller's executor and never blocks an I/O thread: the
//   memory backend completes at once (a few shard locks held for microseconds), the Redis
//   backend does its network I/O on its own executor and resumes the caller on its own.
// - One admit() is atomic with respect to every other admit() on the same store (the
//   memory backend locks the shards of its keys, the Redis backend runs one script), in
//   the order of admission.hpp: rates first, then the open-upload slot and quota together.
// - It does not throw for store failures: those become Reason::store_unavailable with
//   `allowed` as the on_store_error setting says. It throws std::invalid_argument for a
//   malformed Admission (admission_problem()), which is a bug in the caller.
// - The Limiter must outlive every admit() and release_upload() in flight, and the
//   Admission its admit() (co_await it where the Admission lives).
#pragma once

#include <upgate/expected.hpp>
#include <upgate/limits/admission.hpp>
#include <upgate/limits/decision.hpp>

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace upgate::limits {

// What to answer when the shared store cannot be asked: let the request through (limits
// are a protection, not the service) or refuse it (limits guard money or capacity).
enum class StoreErrorPolicy : std::uint8_t { allow, deny };
// "allow" or "deny", exactly; the error says which values exist.
Expected<StoreErrorPolicy, std::string> parse_store_error_policy(std::string_view text);
std::string_view to_string(StoreErrorPolicy policy) noexcept;

class Limiter {
 public:
  virtual ~Limiter() = default;

  virtual boost::asio::awaitable<Decision> admit(const Admission& admission) = 0;

  // Frees the slot `upload_id` took under the open-upload `key` (OpenUploadCheck::key).
  // Releasing a slot that is not open (expired, released twice) is not an error.
  virtual boost::asio::awaitable<Expected<void, StoreError>> release_upload(
      std::string_view key, std::string_view upload_id) = 0;
};

}  // namespace upgate::limits
