// fsck: every row's blob present, of its size and hash; orphans found and, on request,
// removed. See data_dir_check.hpp.
#include "data_dir_check.hpp"

#include "upgate/enum_names.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <system_error>

#include "data_dir_layout.hpp"
#include "streaming_digester.hpp"

namespace upgate::store {
namespace {

namespace fs = std::filesystem;
using Kind = CheckFinding::Kind;

struct StatementFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using RawStatement = std::unique_ptr<sqlite3_stmt, StatementFinalize>;

std::string column_text(sqlite3_stmt* s, int column) {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(s, column));
  return bytes != nullptr
             ? std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(s, column)))
             : std::string();
}

std::optional<std::string> column_optional(sqlite3_stmt* s, int column) {
  if (sqlite3_column_type(s, column) == SQLITE_NULL) return std::nullopt;
  return column_text(s, column);
}

struct SegmentRow {
  std::string blob;
  std::uint64_t size = 0;
};

struct ObjectRow {
  std::string name;  // bucket/key
  std::uint64_t size = 0;
  std::string etag;
  int parts_count = 0;
  Checksums checksums;
  std::vector<SegmentRow> segments;
};

struct PartRow {
  std::string name;  // "upload ID part N"
  SegmentRow blob;
  std::string etag;
};

class Db {
 public:
  static Expected<Db, std::string> open(const fs::path& file) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    Db db(raw, file);
    if (rc != SQLITE_OK) {
      return Unexpected("cannot open " + file.string() + ": " +
                        (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    return db;
  }

  // Runs `sql`, calling `row` for each result row.
  template <class Row>
  Expected<void, std::string> each(const char* sql, Row row) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return failure();
    RawStatement statement(raw);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) row(raw);
    if (rc != SQLITE_DONE) return failure();
    return {};
  }

 private:
  Db(sqlite3* db, fs::path file) : db_(db), file_(std::move(file)) {}
  Unexpected<std::string> failure() const {
    return Unexpected(file_.string() + ": " + sqlite3_errmsg(db_.get()));
  }
  std::unique_ptr<sqlite3, SqliteClose> db_;
  fs::path file_;
};

// Holds the data directory's LOCK for the check, as a running store holds it.
class DirectoryLock {
 public:
  static Expected<DirectoryLock, std::string> take(const fs::path& data_dir) {
    const fs::path file = layout::lock_file(data_dir);
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Unexpected("cannot open " + file.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return Unexpected(data_dir.string() +
                        " is in use by a running store; stop it first (a backup, "
                        "`upgate store backup`, works while it runs)");
    }
    return DirectoryLock(fd);
  }
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// Hashes a blob file: MD5 always, plus `extra`. nullopt with `error` set when unreadable.
std::optional<Digests> hash_file(const fs::path& file, ChecksumSet extra, std::uint64_t& hashed,
                                 const std::function<void(std::uint64_t)>& advanced,
                                 std::string& error) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  StreamingDigester digester(extra);
  std::vector<std::byte> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    digester.update(std::span(buffer.data(), static_cast<std::size_t>(n)));
    hashed += static_cast<std::uint64_t>(n);
    advanced(hashed);
  }
  ::close(fd);
  return digester.finish();
}

class Checker {
 public:
  Checker(fs::path data_dir, const CheckOptions& options)
      : data_dir_(std::move(data_dir)), options_(options) {}

  Expected<CheckReport, std::string> run() {
    auto lock = DirectoryLock::take(data_dir_);
    if (!lock) return Unexpected(std::move(lock).error());
    std::error_code ec;
    if (!fs::exists(layout::metadata_file(data_dir_), ec)) {
      return Unexpected(data_dir_.string() + " is not a store's data directory (no metadata.db)");
    }
    if (auto ok = read_rows(); !ok) return Unexpected(ok.error());
    for (const auto& [generation, object] : objects_) {
      for (const auto& segment : object.segments) total_ += segment.size;
    }
    for (const auto& part : parts_) total_ += part.blob.size;
    for (const auto& [generation, object] : objects_) check_object(object);
    for (const auto& part : parts_) check_part(part);
    if (auto ok = find_orphans(); !ok) return Unexpected(ok.error());
    report_.objects = objects_.size();
    report_.parts = parts_.size();
    return std::move(report_);
  }

 private:
  Expected<void, std::string> read_rows() {
    auto db = Db::open(layout::metadata_file(data_dir_));
    if (!db) return Unexpected(std::move(db).error());
    auto objects = db->each(
        "SELECT generation, bucket, key, size, etag, parts_count, checksum_crc32, "
        "checksum_crc32c, checksum_sha1, checksum_sha256 FROM objects",
        [&](sqlite3_stmt* s) {
          ObjectRow& row = objects_[sqlite3_column_int64(s, 0)];
          row.name = column_text(s, 1) + "/" + column_text(s, 2);
          row.size = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
          row.etag = column_text(s, 4);
          row.parts_count = sqlite3_column_int(s, 5);
          for (std::size_t i = 0; i < kAllChecksumAlgorithms.size(); ++i) {
            if (auto value = column_optional(s, 6 + static_cast<int>(i))) {
              row.checksums.set(kAllChecksumAlgorithms[i], std::move(*value));
            }
          }
        });
    if (!objects) return objects;
    auto segments =
        db->each("SELECT generation, blob_id, size FROM object_segments ORDER BY generation, seq",
                 [&](sqlite3_stmt* s) {
                   auto found = objects_.find(sqlite3_column_int64(s, 0));
                   SegmentRow segment{column_text(s, 1),
                                      static_cast<std::uint64_t>(sqlite3_column_int64(s, 2))};
                   referenced_.insert(segment.blob);
                   if (found != objects_.end())
                     found->second.segments.push_back(std::move(segment));
                 });
    if (!segments) return segments;
    return db->each(
        "SELECT upload_id, part_number, blob_id, size, etag FROM parts", [&](sqlite3_stmt* s) {
          PartRow part;
          part.name =
              "upload " + column_text(s, 0) + " part " + std::to_string(sqlite3_column_int(s, 1));
          part.blob = {column_text(s, 2), static_cast<std::uint64_t>(sqlite3_column_int64(s, 3))};
          part.etag = column_text(s, 4);
          referenced_.insert(part.blob.blob);
          parts_.push_back(std::move(part));
        });
  }

  void find(Kind kind, const std::string& subject, const std::string& blob, std::string detail) {
    report_.findings.push_back(CheckFinding{kind, subject, blob, std::move(detail), false});
  }

  // Size and hashes of one blob against its row; nullopt when it is missing, short or
  // unreadable (already reported).
  std::optional<Digests> check_blob(const std::string& subject, const SegmentRow& segment,
                                    ChecksumSet extra) {
    const fs::path file = layout::blob_file(data_dir_, segment.blob);
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) {
      find(Kind::missing_blob, subject, segment.blob, file.string() + ": " + ec.message());
      hashed_ += segment.size;
      return std::nullopt;
    }
    if (size != segment.size) {
      find(Kind::size_mismatch, subject, segment.blob,
           std::to_string(size) + " bytes, the row says " + std::to_string(segment.size));
      hashed_ += segment.size;
      return std::nullopt;
    }
    std::string error;
    const std::uint64_t before = hashed_;
    auto digests = hash_file(
        file, extra, hashed_, [this](std::uint64_t done) { advanced(done); }, error);
    hashed_ = before + segment.size;
    ++report_.blobs_checked;
    report_.bytes_checked += segment.size;
    if (!digests) find(Kind::missing_blob, subject, segment.blob, "unreadable: " + error);
    return digests;
  }

  void check_object(const ObjectRow& object) {
    std::uint64_t total = 0;
    for (const auto& segment : object.segments) total += segment.size;
    if (total != object.size) {
      find(Kind::size_mismatch, object.name, "",
           "segments hold " + std::to_string(total) + " bytes, the object says " +
               std::to_string(object.size));
    }
    const bool single = object.parts_count == 0 && object.segments.size() == 1;
    ChecksumSet extra;
    if (single) {
      for (auto a : kAllChecksumAlgorithms) {
        if (object.checksums.get(a)) extra = extra.with(a);
      }
    }
    StreamingDigester of_parts;
    bool all_read = true;
    for (const auto& segment : object.segments) {
      auto digests = check_blob(object.name, segment, extra);
      if (!digests) {
        all_read = false;
        continue;
      }
      if (single) {
        if (digests->md5_hex() != object.etag) {
          find(Kind::checksum_mismatch, object.name, segment.blob,
               "MD5 " + digests->md5_hex() + ", the ETag says " + object.etag);
        }
        for (auto a : kAllChecksumAlgorithms) {
          const auto& recorded = object.checksums.get(a);
          if (recorded && digests->checksums.get(a) != recorded) {
            find(Kind::checksum_mismatch, object.name, segment.blob,
                 std::string(checksum_algorithm_name(a)) + " " +
                     digests->checksums.get(a).value_or("?") + ", the row says " + *recorded);
          }
        }
      } else {
        of_parts.update(std::as_bytes(std::span(digests->md5)));
      }
    }
    if (!single && all_read && object.parts_count > 0) {
      const std::string etag =
          of_parts.finish().md5_hex() + "-" + std::to_string(object.segments.size());
      if (etag != object.etag) {
        find(Kind::checksum_mismatch, object.name, "",
             "the parts' MD5s make " + etag + ", the ETag says " + object.etag);
      }
    }
  }

  void check_part(const PartRow& part) {
    auto digests = check_blob(part.name, part.blob, {});
    if (digests && digests->md5_hex() != part.etag) {
      find(Kind::checksum_mismatch, part.name, part.blob.blob,
           "MD5 " + digests->md5_hex() + ", the ETag says " + part.etag);
    }
  }

  void remove_if_repairing(const fs::path& file) {
    if (!options_.repair) return;
    if (::unlink(file.c_str()) == 0) {
      report_.findings.back().repaired = true;
    } else {
      report_.findings.back().detail += "; cannot remove: " + std::string(std::strerror(errno));
    }
  }

  Expected<void, std::string> find_orphans() {
    std::error_code ec;
    const fs::path blobs = layout::blobs_dir(data_dir_);
    if (fs::exists(blobs, ec)) {
      for (auto it = fs::recursive_directory_iterator(blobs, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const std::string name = it->path().filename().string();
        if (referenced_.contains(name)) continue;
        const auto size = it->file_size(ec);
        find(Kind::orphan_blob, it->path().string(), name, std::to_string(size) + " bytes");
        remove_if_repairing(it->path());
      }
      if (ec) return Unexpected("cannot list " + blobs.string() + ": " + ec.message());
    }
    const fs::path temp = layout::temp_dir(data_dir_);
    if (fs::exists(temp, ec)) {
      for (const auto& entry : fs::directory_iterator(temp, ec)) {
        find(Kind::temp_file, entry.path().string(), entry.path().filename().string(),
             std::to_string(entry.file_size(ec)) + " bytes");
        remove_if_repairing(entry.path());
      }
      if (ec) return Unexpected("cannot list " + temp.string() + ": " + ec.message());
    }
    return {};
  }

  void advanced(std::uint64_t done) {
    if (options_.progress) options_.progress(done, total_);
  }

  fs::path data_dir_;
  const CheckOptions& options_;
  std::map<std::int64_t, ObjectRow> objects_;
  std::vector<PartRow> parts_;
  std::set<std::string> referenced_;
  std::uint64_t total_ = 0;
  std::uint64_t hashed_ = 0;
  CheckReport report_;
};

}  // namespace

std::size_t CheckReport::damaged() const {
  std::set<std::string_view> subjects;
  for (const auto& f : findings) {
    if (f.kind != Kind::orphan_blob && f.kind != Kind::temp_file) subjects.insert(f.subject);
  }
  return subjects.size();
}

constexpr std::string_view kFindingNames[] = {"missing blob", "size mismatch", "checksum mismatch",
                                              "orphan blob", "temp file"};
static_assert(names_through(kFindingNames, Kind::temp_file));

std::string_view finding_name(CheckFinding::Kind kind) {
  return name_at(kFindingNames, kind, "?");
}

Expected<CheckReport, std::string> check_data_dir(const fs::path& data_dir,
                                                  const CheckOptions& options) {
  return Checker(data_dir, options).run();
}

}  // namespace upgate::store
