// The three limits as upgate.toml spells them, parsed into values with precise errors.
//
//   rate = "60/min"            RateSpec: 60 requests per minute, sustained
//   burst = 10                 ... of which at most 10 may arrive at once (default: the count)
//   quota = "10 GiB/day"       QuotaSpec: 10 GiB of signed upload sizes per UTC day
//   max_open_uploads = 5       OpenUploadsSpec: at most 5 uploads open at once
//
// Rates are periods of s, min, h or day ("1/s", "600/h", "5000/day"); the limiter is a
// token bucket (GCRA): a full bucket holds `burst` requests and refills at count/period,
// so in any stretch of t seconds at most burst + count * t / period requests pass.
// Quotas count bytes in fixed windows aligned to UTC (h: each clock hour, day: each UTC
// day), with the byte units of config/units.hpp ("500 MB", "10 GiB", "1 TB").
//
// Errors are one line naming the value and saying what is accepted; the caller prefixes
// the field's path ("profiles.avatars.rate: ..."). Bounds keep every quantity exact in
// Redis' Lua (doubles, 53 bits) and in the RateLimit header fields (15 digits).
#pragma once

#include <upgate/expected.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::limits {

struct RateSpec {
  std::uint64_t count = 0;         // requests per period
  std::chrono::seconds period{0};  // 1, 60, 3600 or 86400
  std::uint64_t burst = 0;         // the bucket's capacity in requests

  // GCRA's parameters, in microseconds: one request's share of the period (rounded down
  // to a whole microsecond) and the bucket's depth (burst requests' worth).
  std::chrono::microseconds emission_interval() const noexcept;
  std::chrono::microseconds capacity() const noexcept;

  friend bool operator==(const RateSpec&, const RateSpec&) = default;
};

// `rate` as written ("60/min"), `burst` as the integer beside it when there is one.
Expected<RateSpec, std::string> parse_rate(std::string_view rate,
                                           std::optional<std::int64_t> burst = std::nullopt);

struct QuotaSpec {
  std::uint64_t bytes = 0;         // allowed per window
  std::chrono::seconds window{0};  // 3600 or 86400, aligned to UTC

  friend bool operator==(const QuotaSpec&, const QuotaSpec&) = default;
};

Expected<QuotaSpec, std::string> parse_quota(std::string_view quota);

struct OpenUploadsSpec {
  std::uint32_t max = 0;

  friend bool operator==(const OpenUploadsSpec&, const OpenUploadsSpec&) = default;
};

Expected<OpenUploadsSpec, std::string> parse_max_open_uploads(std::int64_t max);

// Upper bounds, exposed for messages and tests.
inline constexpr std::uint64_t kMaxRateCount = 1'000'000'000;
inline constexpr std::uint64_t kMaxBurst = 1'000'000'000;
inline constexpr std::chrono::hours kMaxBucketDepth{366 * 24};        // burst * period / count
inline constexpr std::uint64_t kMaxQuotaBytes = 999'999'999'999'999;  // a 15-digit sf-integer
inline constexpr std::uint32_t kMaxOpenUploads = 100'000;

// "minute" for 60 s: the period's name in messages ("60 requests per minute").
std::string_view period_name(std::chrono::seconds period) noexcept;

// "60/min, burst 10" and "10 GB/day": the spec as a person reads it (byte sizes in the
// project's wording, config::format_byte_size).
std::string to_string(const RateSpec& spec);
std::string to_string(const QuotaSpec& spec);

}  // namespace upgate::limits
