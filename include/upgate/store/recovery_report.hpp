// What opening the store's data directory cleaned up after a crash: temp files of
// uploads that never committed and blobs no metadata row references. The engine
// produces it (ObjectStore::open, collect_garbage); `upgate store` logs it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace upgate::store {

struct RecoveryReport {
  std::size_t temp_files_removed = 0;
  std::size_t orphan_blobs_removed = 0;
  std::uint64_t orphan_bytes_removed = 0;
};

}  // namespace upgate::store
