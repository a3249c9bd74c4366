// The bytes of one object version, open for reading.
//
// An object is the ordered concatenation of its segments (one blob for a plain
// PUT, one per part for a multipart object); the reader presents them as one
// byte range and reads across segment boundaries. It holds every segment's
// file descriptor from the moment it is opened, so an overwrite or delete that
// unlinks the blobs afterwards does not change what it reads. Movable, not
// copyable; read_at may be called from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/store/blob_store.hpp"
#include "upgate/store/store_error.hpp"

namespace upgate::store {

class ObjectReader {
 public:
  ObjectReader() = default;
  explicit ObjectReader(std::vector<BlobReader> segments);

  std::uint64_t size() const { return size_; }
  // Reads up to out.size() bytes starting at offset; fewer only at the end of
  // the object, 0 at or past the end.
  Expected<std::size_t, StoreError> read_at(std::uint64_t offset, std::span<std::byte> out) const;

  // For zero-copy senders (sendfile): segment i covers [segment_offset(i),
  // segment_offset(i) + segments()[i].size()).
  const std::vector<BlobReader>& segments() const { return segments_; }
  std::uint64_t segment_offset(std::size_t i) const { return starts_[i]; }

 private:
  std::vector<BlobReader> segments_;
  std::vector<std::uint64_t> starts_;
  std::uint64_t size_ = 0;
};

}  // namespace upgate::store
