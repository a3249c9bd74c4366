// upgate::api::PartLayout: how upgate cuts a declared size into the parts of a multipart
// upload, within S3's limits: every part but the last 5 MiB to 5 GiB, at most 10,000
// parts, at most 5 TiB in all.
//
// choose_part_layout() takes the smallest part size that is at least the preferred one
// (a whole number of MiB) and needs no more than 10,000 parts, so a 1 GiB file is 64
// parts of 16 MiB and a 5 TiB file 10,000 parts of 525 MiB (rounded up to a MiB). Every
// part URL signs its own Content-Length, part_length(n), so a client cannot send a part
// of another size, and the sum of the parts is the declared size exactly.
#pragma once

#include <cstdint>

#include "upgate/api/api_error.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

inline constexpr std::uint64_t kMiB = 1024 * 1024;
inline constexpr std::uint64_t kMinPartSize = 5 * kMiB;
inline constexpr std::uint64_t kMaxPartSize = 5 * 1024 * kMiB;
inline constexpr std::uint32_t kMaxPartCount = 10'000;
inline constexpr std::uint64_t kMaxMultipartObjectSize = 5 * 1024 * 1024 * kMiB;
inline constexpr std::uint64_t kDefaultPartSize = 16 * kMiB;

struct PartLayout {
  std::uint64_t size = 0;       // the declared object size
  std::uint64_t part_size = 0;  // every part but the last
  std::uint32_t part_count = 0;

  // The exact length of part `part_number` (1-based); 0 outside 1..part_count.
  std::uint64_t part_length(std::uint32_t part_number) const noexcept;
};

// invalid_size for 0 or more than 5 TiB. `preferred_part_size` is clamped to
// 5 MiB..5 GiB and rounded up to a whole MiB.
Expected<PartLayout, ApiError> choose_part_layout(
    std::uint64_t size, std::uint64_t preferred_part_size = kDefaultPartSize);

}  // namespace upgate::api
