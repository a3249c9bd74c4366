#include "upgate/store/object_reader.hpp"

#include <algorithm>

namespace upgate::store {

ObjectReader::ObjectReader(std::vector<BlobReader> segments) : segments_(std::move(segments)) {
  starts_.reserve(segments_.size());
  for (const auto& s : segments_) {
    starts_.push_back(size_);
    size_ += s.size();
  }
}

Expected<std::size_t, StoreError> ObjectReader::read_at(std::uint64_t offset,
                                                        std::span<std::byte> out) const {
  if (offset >= size_ || out.empty()) return std::size_t{0};
  // The last segment starting at or before offset holds it (empty segments are skipped over).
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  std::size_t i = static_cast<std::size_t>(it - starts_.begin()) - 1;
  std::size_t done = 0;
  while (done < out.size() && i < segments_.size()) {
    std::uint64_t within = offset + done - starts_[i];
    if (within >= segments_[i].size()) {
      ++i;
      continue;
    }
    auto got = segments_[i].read_at(within, out.subspan(done));
    if (!got) return Unexpected(got.error());
    done += *got;
    if (*got == 0) ++i;
  }
  return done;
}

}  // namespace upgate::store
