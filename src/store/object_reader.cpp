#include "object_reader.hpp"

#include <algorithm>
#include <mutex>

namespace upgate::store {

struct ObjectReader::State {
  BlobStore* blobs = nullptr;
  std::vector<Segment> segments;
  std::vector<std::uint64_t> starts;
  std::uint64_t size = 0;
  // The most recently used segment's open blob: sequential reads reuse it.
  std::mutex current_mutex;
  std::size_t current_index = 0;
  std::shared_ptr<const BlobReader> current;

  ~State() {
    for (const auto& s : segments) blobs->unpin(s.blob);
  }

  Expected<std::shared_ptr<const BlobReader>, StoreError> reader_for(std::size_t i) {
    {
      std::lock_guard lock(current_mutex);
      if (current && current_index == i) return current;
    }
    auto opened = open(i);
    if (!opened) return Unexpected(opened.error());
    auto shared = std::make_shared<const BlobReader>(std::move(*opened));
    std::lock_guard lock(current_mutex);
    current_index = i;
    current = shared;
    return shared;
  }

  Expected<BlobReader, StoreError> open(std::size_t i) const {
    auto reader = blobs->open_blob(segments[i].blob);
    if (!reader) {
      if (reader.error().code == StoreErrc::kNoSuchKey) {
        return Unexpected(StoreError{StoreErrc::kInternalError, "the object's data is missing"});
      }
      return Unexpected(reader.error());
    }
    if (reader->size() != segments[i].size) {
      return Unexpected(
          StoreError{StoreErrc::kInternalError, "the object's data has the wrong size"});
    }
    return std::move(*reader);
  }
};

ObjectReader::ObjectReader() = default;
ObjectReader::~ObjectReader() = default;
ObjectReader::ObjectReader(ObjectReader&&) noexcept = default;
ObjectReader& ObjectReader::operator=(ObjectReader&&) noexcept = default;

ObjectReader::ObjectReader(BlobStore& blobs, std::vector<Segment> pinned_segments)
    : state_(std::make_unique<State>()) {
  state_->blobs = &blobs;
  state_->segments = std::move(pinned_segments);
  state_->starts.reserve(state_->segments.size());
  for (const auto& s : state_->segments) {
    state_->starts.push_back(state_->size);
    state_->size += s.size;
  }
}

std::uint64_t ObjectReader::size() const {
  return state_ ? state_->size : 0;
}
std::size_t ObjectReader::segment_count() const {
  return state_ ? state_->segments.size() : 0;
}
std::uint64_t ObjectReader::segment_offset(std::size_t i) const {
  return state_->starts.at(i);
}
std::uint64_t ObjectReader::segment_size(std::size_t i) const {
  return state_->segments.at(i).size;
}

Expected<BlobReader, StoreError> ObjectReader::open_segment(std::size_t i) const {
  if (!state_ || i >= state_->segments.size()) {
    return Unexpected(StoreError{StoreErrc::kInternalError, "no such segment"});
  }
  return state_->open(i);
}

Expected<std::size_t, StoreError> ObjectReader::read_at(std::uint64_t offset,
                                                        std::span<std::byte> out) const {
  if (!state_ || offset >= state_->size || out.empty()) return std::size_t{0};
  const auto& starts = state_->starts;
  // The last segment starting at or before offset holds it (empty segments are skipped over).
  auto it = std::upper_bound(starts.begin(), starts.end(), offset);
  std::size_t i = static_cast<std::size_t>(it - starts.begin()) - 1;
  std::size_t done = 0;
  while (done < out.size() && i < state_->segments.size()) {
    std::uint64_t within = offset + done - starts[i];
    if (within >= state_->segments[i].size) {
      ++i;
      continue;
    }
    auto reader = state_->reader_for(i);
    if (!reader) return Unexpected(reader.error());
    auto got = (*reader)->read_at(within, out.subspan(done));
    if (!got) return Unexpected(got.error());
    if (*got == 0) {
      return Unexpected(StoreError{StoreErrc::kInternalError, "blob is shorter than recorded"});
    }
    done += *got;
  }
  return done;
}

}  // namespace upgate::store
