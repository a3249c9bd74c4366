// fsck for a store's data directory: the rows of metadata.db against the blob files.
//
// Promises:
// - Runs only on a directory no store is serving (it takes the data directory's LOCK, as
//   the store does; a held lock is an error saying so), so a blob an upload has committed
//   but not yet recorded is never taken for an orphan.
// - Every object row: each segment's blob exists, has the recorded size, and the bytes
//   hash to what the row says (the MD5 ETag, or for a multipart object the MD5 of its
//   parts' MD5s, "-N"; and any full-object x-amz-checksum-* the row keeps). Every part of
//   an upload in progress: exists, its size, its MD5 ETag.
// - Orphans: blob files no row names, and leftover temp files. With repair they are
//   removed; rows whose blob is gone or damaged are reported, never changed (their
//   objects answer 500 until deleted or overwritten; a backup may have the bytes).
// - Read-only without repair; with it, only orphan files are unlinked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "upgate/expected.hpp"

namespace upgate::store {

struct CheckFinding {
  enum class Kind : std::uint8_t {
    missing_blob,       // a row names a blob file that is not there
    size_mismatch,      // the file's size is not the row's
    checksum_mismatch,  // the bytes do not hash to the row's ETag / checksum
    orphan_blob,        // a blob file no row names
    temp_file,          // a leftover of an upload that never finished
  };
  Kind kind;
  std::string subject;  // "bucket/key", "upload <id> part <n>", or the file for orphans
  std::string blob;     // the blob id (or temp file name)
  std::string detail;   // one line: "12 bytes, the row says 13"
  bool repaired = false;
};

struct CheckReport {
  std::uint64_t objects = 0;
  std::uint64_t parts = 0;
  std::uint64_t blobs_checked = 0;
  std::uint64_t bytes_checked = 0;
  std::vector<CheckFinding> findings;
  // Damage repair cannot undo: the objects and parts whose blob is gone or wrong.
  std::size_t damaged() const;
};

struct CheckOptions {
  bool repair = false;
  // Called now and then with the bytes hashed so far and the total to hash.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

std::string_view finding_name(CheckFinding::Kind kind);

Expected<CheckReport, std::string> check_data_dir(const std::filesystem::path& data_dir,
                                                  const CheckOptions& options);

}  // namespace upgate::store
