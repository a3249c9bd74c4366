// Where things are in a store's data directory, for the tools that work on one from outside
// a running ObjectStore (backup, restore, fsck). The same layout ObjectStore and BlobStore
// create: metadata.db (+ -wal, -shm), blobs/<first 2 hex>/<32 hex id>, tmp/, LOCK,
// credentials.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string_view>

namespace upgate::store::layout {

inline std::filesystem::path metadata_file(const std::filesystem::path& root) {
  return root / "metadata.db";
}
inline std::filesystem::path blobs_dir(const std::filesystem::path& root) {
  return root / "blobs";
}
inline std::filesystem::path blob_file(const std::filesystem::path& root, std::string_view hex) {
  return root / "blobs" / std::string(hex.substr(0, 2)) / std::string(hex);
}
inline std::filesystem::path temp_dir(const std::filesystem::path& root) {
  return root / "tmp";
}
inline std::filesystem::path lock_file(const std::filesystem::path& root) {
  return root / "LOCK";
}
inline std::filesystem::path credentials_file(const std::filesystem::path& root) {
  return root / "credentials";
}

}  // namespace upgate::store::layout

namespace upgate::store {

// The tools read metadata.db through SQLite's C API (not MetadataDb, whose schema checks and
// migrations are what they examine or copy); this closes such a connection.
struct SqliteClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

}  // namespace upgate::store
