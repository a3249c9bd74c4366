#include "upgate/api/part_layout.hpp"

#include <algorithm>

namespace upgate::api {
namespace {

constexpr std::uint64_t round_up(std::uint64_t value, std::uint64_t unit) {
  return (value + unit - 1) / unit * unit;
}

}  // namespace

std::uint64_t PartLayout::part_length(std::uint32_t part_number) const noexcept {
  if (part_number < 1 || part_number > part_count) return 0;
  if (part_number < part_count) return part_size;
  return size - part_size * (part_count - 1);
}

Expected<PartLayout, ApiError> choose_part_layout(std::uint64_t size,
                                                  std::uint64_t preferred_part_size) {
  if (size == 0) {
    return Unexpected(make_error(ErrorCode::invalid_size, "size must be at least 1 byte", "size"));
  }
  if (size > kMaxMultipartObjectSize) {
    return Unexpected(
        make_error(ErrorCode::invalid_size, "size is over S3's 5 TiB object limit", "size"));
  }
  const std::uint64_t preferred =
      round_up(std::clamp(preferred_part_size, kMinPartSize, kMaxPartSize), kMiB);
  const std::uint64_t needed = round_up((size + kMaxPartCount - 1) / kMaxPartCount, kMiB);
  PartLayout layout;
  layout.size = size;
  layout.part_size = std::min(std::max(preferred, needed), kMaxPartSize);
  layout.part_count = static_cast<std::uint32_t>((size + layout.part_size - 1) / layout.part_size);
  return layout;
}

}  // namespace upgate::api
