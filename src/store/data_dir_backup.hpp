// Backups of a store's data directory, taken while the store serves, and restores of them.
//
// A backup is a directory: metadata.db (one self-contained SQLite file), blobs/<2 hex>/<id>
// for every blob a row of that database names, and the root key file `credentials` when
// the data directory has one (mode 0600: a backup is as secret as the store).
//
// Promises:
// - Consistent while the store runs in another process: the metadata is copied with
//   SQLite's online backup API (one read snapshot, however busy the writer), then every
//   blob a row of that snapshot names is hard-linked (copied when the backup is on another
//   file system). Blobs are immutable files, so a link taken is the blob as committed. A
//   blob that vanished between the snapshot and its link (its object deleted or
//   overwritten in between) makes a new snapshot, and the blobs it adds are linked, until
//   one snapshot has every blob it names; blobs only earlier snapshots named are dropped.
//   So every row in the backup has its blob, with the recorded size.
// - Never half-written: the backup is built in DEST.incomplete and renamed to DEST at the
//   end, after an fsync of what it copied; DEST must not exist (or be an empty directory).
// - restore_data_dir() checks the backup (every row's blob present with its size) before
//   it writes anything, builds DATA_DIR.incomplete the same way and renames it into place;
//   DATA_DIR must not exist or be empty. A store started on it serves every object.
// - Errors are one line naming the file and the reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "upgate/expected.hpp"

namespace upgate::store {

struct BackupReport {
  std::uint64_t objects = 0;        // object rows
  std::uint64_t parts = 0;          // rows of multipart uploads in progress
  std::uint64_t blobs = 0;          // blob files in the result
  std::uint64_t bytes = 0;          // their total size
  std::uint64_t linked = 0;         // hard-linked
  std::uint64_t copied = 0;         // copied (another file system)
  unsigned snapshots = 0;           // metadata snapshots taken (1 unless the store raced)
  bool credentials_copied = false;  // the root key file came along
};

// Called now and then with the blobs handled so far and how many there are.
using BackupProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

Expected<BackupReport, std::string> backup_data_dir(const std::filesystem::path& data_dir,
                                                    const std::filesystem::path& destination,
                                                    const BackupProgress& progress = {});

Expected<BackupReport, std::string> restore_data_dir(const std::filesystem::path& backup,
                                                     const std::filesystem::path& data_dir,
                                                     const BackupProgress& progress = {});

}  // namespace upgate::store
