// Backup and restore of a data directory: SQLite's online backup, then the blobs its rows
// name, linked or copied; see data_dir_backup.hpp for the promises.
#include "data_dir_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <system_error>

#include "data_dir_layout.hpp"

namespace upgate::store {
namespace {

namespace fs = std::filesystem;

// A blob's id and recorded size, for every row (object segment or upload part) naming it.
using BlobSizes = std::map<std::string, std::uint64_t>;

// A new snapshot is taken when the store deleted a blob between the previous one and its
// link; each round only races the writes of the moment before, so a few suffice.
constexpr unsigned kMaxSnapshots = 16;

std::string errno_text(int error) {
  return std::strerror(error);
}

using Connection = std::unique_ptr<sqlite3, SqliteClose>;

Expected<Connection, std::string> open_db(const fs::path& file, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Connection db(raw);
  if (rc != SQLITE_OK) {
    return Unexpected("cannot open " + file.string() + ": " +
                      (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), 10'000);
  return db;
}

Expected<void, std::string> exec(sqlite3* db, const char* sql, const fs::path& file) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    return Unexpected(file.string() + ": " + text);
  }
  return {};
}

// One consistent copy of `source` in `target` (replaced), as one self-contained file.
Expected<void, std::string> snapshot_metadata(const fs::path& source, const fs::path& target) {
  auto from = open_db(source, SQLITE_OPEN_READWRITE);  // never CREATE: a missing db is an error
  if (!from) return Unexpected(std::move(from).error());
  std::error_code ignored;
  fs::remove(target, ignored);
  auto to = open_db(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!to) return Unexpected(std::move(to).error());
  sqlite3_backup* backup = sqlite3_backup_init(to->get(), "main", from->get(), "main");
  if (backup == nullptr) {
    return Unexpected("cannot back up " + source.string() + ": " + sqlite3_errmsg(to->get()));
  }
  // -1: every page in one step, under one read transaction of the source: a snapshot.
  int rc = SQLITE_OK;
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  const int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE || finished != SQLITE_OK) {
    return Unexpected("cannot back up " + source.string() + ": " + sqlite3_errstr(rc));
  }
  // The copy keeps the source's WAL mode; a rollback journal makes it one file at rest (the
  // store switches it back to WAL when it opens it).
  if (auto ok = exec(to->get(), "PRAGMA journal_mode=DELETE", target); !ok) return ok;
  return {};
}

struct Rows {
  BlobSizes blobs;
  std::uint64_t objects = 0;
  std::uint64_t parts = 0;
};

Expected<Rows, std::string> referenced_blobs(const fs::path& metadata) {
  auto db = open_db(metadata, SQLITE_OPEN_READONLY);
  if (!db) return Unexpected(std::move(db).error());
  Rows rows;
  const char* sql =
      "SELECT 0, blob_id, size FROM object_segments UNION ALL "
      "SELECT 1, blob_id, size FROM parts UNION ALL "
      "SELECT 2, '', count(*) FROM objects";
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db->get(), sql, -1, &statement, nullptr) != SQLITE_OK) {
    return Unexpected(metadata.string() + ": " + sqlite3_errmsg(db->get()));
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    const int kind = sqlite3_column_int(statement, 0);
    const auto size = static_cast<std::uint64_t>(sqlite3_column_int64(statement, 2));
    if (kind == 2) {
      rows.objects = size;
      continue;
    }
    const auto* id = reinterpret_cast<const char*>(sqlite3_column_text(statement, 1));
    rows.blobs[id != nullptr ? id : ""] = size;
    if (kind == 1) ++rows.parts;
  }
  sqlite3_finalize(statement);
  if (rc != SQLITE_DONE) return Unexpected(metadata.string() + ": " + sqlite3_errmsg(db->get()));
  return rows;
}

Expected<void, std::string> fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Unexpected("cannot open " + path.string() + ": " + errno_text(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return Unexpected("cannot fsync " + path.string() + ": " + errno_text(error));
  return {};
}

// Copies `from` to `to` (new, `mode`) and fsyncs it. ENOENT of `from` is reported as such.
Expected<void, std::error_code> copy_file(const fs::path& from, const fs::path& to, mode_t mode) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Unexpected(std::error_code(errno, std::generic_category()));
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (out < 0) {
    const int error = errno;
    ::close(in);
    return Unexpected(std::error_code(error, std::generic_category()));
  }
  int error = 0;
  for (;;) {
    const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
  }
  if (error == 0 && ::fsync(out) != 0) error = errno;
  ::close(in);
  ::close(out);
  if (error != 0) {
    ::unlink(to.c_str());
    return Unexpected(std::error_code(error, std::generic_category()));
  }
  return {};
}

enum class Placed { linked, copied, missing };

// Puts blob `hex` of data directory `from` into `to`'s blobs: a hard link, else a copy.
Expected<Placed, std::string> place_blob(const fs::path& from, const fs::path& to,
                                         const std::string& hex) {
  const fs::path source = layout::blob_file(from, hex);
  const fs::path target = layout::blob_file(to, hex);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Unexpected("cannot create " + target.parent_path().string() + ": " + ec.message());
  if (::link(source.c_str(), target.c_str()) == 0) return Placed::linked;
  if (errno == ENOENT) return Placed::missing;
  if (errno == EEXIST) return Placed::linked;
  if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
    return Unexpected("cannot link " + source.string() + ": " + errno_text(errno));
  }
  auto copied = copy_file(source, target, 0640);
  if (copied) return Placed::copied;
  if (copied.error() == std::errc::no_such_file_or_directory) return Placed::missing;
  return Unexpected("cannot copy " + source.string() + ": " + copied.error().message());
}

// The target must not exist, or be an empty directory (rename(2) replaces one).
Expected<void, std::string> check_free(const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) return {};
  if (fs::is_directory(target, ec) && fs::is_empty(target, ec)) return {};
  return Unexpected(target.string() + " already exists and is not an empty directory");
}

fs::path incomplete_path(const fs::path& target) {
  fs::path clean = target;
  if (!clean.has_filename()) clean = clean.parent_path();
  return clean.parent_path() / (clean.filename().string() + ".incomplete");
}

Expected<fs::path, std::string> begin_work(const fs::path& target) {
  if (auto free = check_free(target); !free) return Unexpected(std::move(free).error());
  const fs::path work = incomplete_path(target);
  std::error_code ec;
  fs::remove_all(work, ec);  // a previous run's leftovers: never a finished backup
  fs::create_directories(work / "blobs", ec);
  if (ec) return Unexpected("cannot create " + work.string() + ": " + ec.message());
  fs::permissions(work, fs::perms::owner_all, ec);
  return work;
}

Expected<void, std::string> copy_credentials(const fs::path& from, const fs::path& to,
                                             BackupReport& report) {
  const fs::path source = layout::credentials_file(from);
  std::error_code ec;
  if (!fs::exists(source, ec)) return {};
  auto copied = copy_file(source, layout::credentials_file(to), 0600);
  if (!copied)
    return Unexpected("cannot copy " + source.string() + ": " + copied.error().message());
  report.credentials_copied = true;
  return {};
}

// fsyncs the blob shard directories, blobs/, the work directory, then renames it into place.
Expected<void, std::string> finish_work(const fs::path& work, const fs::path& target) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(work / "blobs", ec)) {
    if (auto ok = fsync_path(entry.path(), true); !ok) return ok;
  }
  if (ec) return Unexpected("cannot list " + (work / "blobs").string() + ": " + ec.message());
  if (auto ok = fsync_path(work / "blobs", true); !ok) return ok;
  if (auto ok = fsync_path(work, true); !ok) return ok;
  if (::rename(work.c_str(), target.c_str()) != 0) {
    return Unexpected("cannot rename " + work.string() + " to " + target.string() + ": " +
                      errno_text(errno));
  }
  const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  return fsync_path(parent, true);
}

void count(BackupReport& report, Placed placed) {
  if (placed == Placed::linked) ++report.linked;
  if (placed == Placed::copied) ++report.copied;
}

// The metadata.db of `dir`, or `refusal` when it has none.
Expected<fs::path, std::string> metadata_of(const fs::path& dir, std::string refusal) {
  fs::path db = layout::metadata_file(dir);
  std::error_code ec;
  if (!fs::exists(db, ec)) return Unexpected(std::move(refusal));
  return db;
}

// The bytes of the blobs `rows` names, each found in `dir` with its row's size; a blob that
// is not is refused with `mismatch(hex, what the file is, the row's size)`.
template <class Mismatch>
Expected<std::uint64_t, std::string> blob_bytes(const fs::path& dir, const Rows& rows,
                                                Mismatch mismatch) {
  std::uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& [hex, size] : rows.blobs) {
    const auto actual = fs::file_size(layout::blob_file(dir, hex), ec);
    if (ec || actual != size) {
      return Unexpected(mismatch(hex, ec ? ec.message() : std::to_string(actual) + " bytes", size));
    }
    bytes += size;
  }
  return bytes;
}

}  // namespace

Expected<BackupReport, std::string> backup_data_dir(const fs::path& data_dir,
                                                    const fs::path& destination,
                                                    const BackupProgress& progress) {
  const auto source_db = metadata_of(
      data_dir, data_dir.string() + " is not a store's data directory (no metadata.db)");
  if (!source_db) return Unexpected(source_db.error());
  auto work = begin_work(destination);
  if (!work) return Unexpected(std::move(work).error());
  const fs::path work_db = layout::metadata_file(*work);

  BackupReport report;
  std::set<std::string> placed;
  Rows rows;
  bool complete = false;
  while (!complete && report.snapshots < kMaxSnapshots) {
    ++report.snapshots;
    if (auto ok = snapshot_metadata(*source_db, work_db); !ok) return Unexpected(ok.error());
    auto read = referenced_blobs(work_db);
    if (!read) return Unexpected(std::move(read).error());
    rows = std::move(*read);
    complete = true;
    std::uint64_t done = 0;
    for (const auto& [hex, size] : rows.blobs) {
      if (progress && (++done % 64 == 0 || done == rows.blobs.size())) {
        progress(done, rows.blobs.size());
      }
      if (placed.contains(hex)) continue;
      auto outcome = place_blob(data_dir, *work, hex);
      if (!outcome) return Unexpected(std::move(outcome).error());
      if (*outcome == Placed::missing) {
        complete = false;  // deleted after this snapshot: the next one no longer names it
        continue;
      }
      count(report, *outcome);
      placed.insert(hex);
    }
  }
  if (!complete) {
    return Unexpected("the store's objects changed faster than " + std::to_string(kMaxSnapshots) +
                      " snapshots could follow; try again");
  }
  // Blobs only an earlier snapshot named (deleted since) do not belong to this one.
  std::error_code ec;
  for (const auto& hex : placed) {
    if (!rows.blobs.contains(hex)) fs::remove(layout::blob_file(*work, hex), ec);
  }
  const auto bytes = blob_bytes(
      *work, rows, [&](const std::string& hex, const std::string& is, std::uint64_t size) {
        return "blob " + hex + " of " + data_dir.string() + " is " + is + ", its row says " +
               std::to_string(size) + " (run upgate store fsck)";
      });
  if (!bytes) return Unexpected(bytes.error());
  report.bytes = *bytes;
  report.blobs = rows.blobs.size();
  report.objects = rows.objects;
  report.parts = rows.parts;
  if (auto ok = copy_credentials(data_dir, *work, report); !ok) return Unexpected(ok.error());
  if (auto ok = fsync_path(work_db, false); !ok) return Unexpected(ok.error());
  if (auto ok = finish_work(*work, destination); !ok) return Unexpected(ok.error());
  return report;
}

Expected<BackupReport, std::string> restore_data_dir(const fs::path& backup,
                                                     const fs::path& data_dir,
                                                     const BackupProgress& progress) {
  const auto backup_db = metadata_of(backup, backup.string() + " is not a backup (no metadata.db)");
  if (!backup_db) return Unexpected(backup_db.error());
  auto rows = referenced_blobs(*backup_db);
  if (!rows) return Unexpected(std::move(rows).error());
  BackupReport report;
  const auto bytes = blob_bytes(
      backup, *rows, [](const std::string& hex, const std::string& is, std::uint64_t size) {
        return "the backup is incomplete: blob " + hex + " is " + is + ", its row says " +
               std::to_string(size);
      });
  if (!bytes) return Unexpected(bytes.error());
  report.bytes = *bytes;
  auto work = begin_work(data_dir);
  if (!work) return Unexpected(std::move(work).error());
  auto copied = copy_file(*backup_db, layout::metadata_file(*work), 0600);
  if (!copied) {
    return Unexpected("cannot copy " + backup_db->string() + ": " + copied.error().message());
  }
  std::uint64_t done = 0;
  for (const auto& [hex, size] : rows->blobs) {
    auto outcome = place_blob(backup, *work, hex);
    if (!outcome) return Unexpected(std::move(outcome).error());
    if (*outcome == Placed::missing) {
      return Unexpected("blob " + hex + " vanished from the backup while it was restored");
    }
    count(report, *outcome);
    if (progress && (++done % 64 == 0 || done == rows->blobs.size())) {
      progress(done, rows->blobs.size());
    }
  }
  report.blobs = rows->blobs.size();
  report.objects = rows->objects;
  report.parts = rows->parts;
  report.snapshots = 1;
  if (auto ok = copy_credentials(backup, *work, report); !ok) return Unexpected(ok.error());
  if (auto ok = finish_work(*work, data_dir); !ok) return Unexpected(ok.error());
  return report;
}

}  // namespace upgate::store
