// The bytes of one object version, open for reading.
//
// An object is the ordered concatenation of its segments (one blob for a plain
// PUT, one per part for a multipart object); the reader presents them as one
// byte range and reads across segment boundaries. It pins every segment's
// blob for its whole life, so an overwrite or delete that happens meanwhile
// unlinks them only after the reader is gone, and it keeps at most one file
// descriptor open at a time (a 10,000-part object does not need 10,000 fds).
// Movable, not copyable; read_at may be called from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "blob_store.hpp"
#include "records.hpp"
#include "store_error.hpp"
#include "upgate/expected.hpp"

namespace upgate::store {

class ObjectReader {
 public:
  ObjectReader();
  // Takes over one pin per segment, which the caller has already taken with
  // BlobStore::pin(); the reader releases them when destroyed.
  ObjectReader(BlobStore& blobs, std::vector<Segment> pinned_segments);
  ~ObjectReader();
  ObjectReader(ObjectReader&&) noexcept;
  ObjectReader& operator=(ObjectReader&&) noexcept;

  std::uint64_t size() const;
  // Reads up to out.size() bytes starting at offset; fewer only at the end of
  // the object, 0 at or past the end. InternalError if a blob is missing or
  // has the wrong size (the store's data was damaged outside its control).
  Expected<std::size_t, StoreError> read_at(std::uint64_t offset, std::span<std::byte> out) const;

  // For zero-copy senders (sendfile): segment i covers
  // [segment_offset(i), segment_offset(i) + segment_size(i)) of the object.
  std::size_t segment_count() const;
  std::uint64_t segment_offset(std::size_t i) const;
  std::uint64_t segment_size(std::size_t i) const;
  Expected<BlobReader, StoreError> open_segment(std::size_t i) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace upgate::store
