#include "metadata_db.hpp"

#include <array>
#include <climits>

#include "upgate/store/sqlite.hpp"

namespace upgate::store {
namespace {

using detail::SqliteConnection;
using detail::Statement;

// Each entry moves the schema from version index to index + 1. Never edit a
// released entry: add a new one.
constexpr std::array<const char*, MetadataDb::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE buckets (
  name        TEXT PRIMARY KEY NOT NULL,
  created_ms  INTEGER NOT NULL,
  region      TEXT NOT NULL,
  acl         TEXT NOT NULL,
  cors        TEXT
) STRICT;

CREATE TABLE objects (
  generation          INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket              TEXT NOT NULL REFERENCES buckets(name),
  key                 BLOB NOT NULL,
  size                INTEGER NOT NULL,
  etag                TEXT NOT NULL,
  parts_count         INTEGER NOT NULL,
  content_type        TEXT,
  content_disposition TEXT,
  content_encoding    TEXT,
  content_language    TEXT,
  cache_control       TEXT,
  expires             TEXT,
  user_metadata       BLOB NOT NULL,
  checksum_crc32      TEXT,
  checksum_crc32c     TEXT,
  checksum_sha1       TEXT,
  checksum_sha256     TEXT,
  acl                 TEXT NOT NULL,
  last_modified_ms    INTEGER NOT NULL,
  UNIQUE (bucket, key)
) STRICT;

CREATE TABLE object_segments (
  generation INTEGER NOT NULL REFERENCES objects(generation) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  blob_id    TEXT NOT NULL,
  size       INTEGER NOT NULL,
  PRIMARY KEY (generation, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX object_segments_by_blob ON object_segments (blob_id);

CREATE TABLE multipart_uploads (
  upload_id           TEXT PRIMARY KEY NOT NULL,
  bucket              TEXT NOT NULL REFERENCES buckets(name),
  key                 BLOB NOT NULL,
  initiated_ms        INTEGER NOT NULL,
  content_type        TEXT,
  content_disposition TEXT,
  content_encoding    TEXT,
  content_language    TEXT,
  cache_control       TEXT,
  expires             TEXT,
  user_metadata       BLOB NOT NULL,
  acl                 TEXT NOT NULL,
  checksum_algorithm  TEXT
) STRICT;
CREATE INDEX multipart_uploads_by_key ON multipart_uploads (bucket, key, upload_id);

CREATE TABLE parts (
  upload_id        TEXT NOT NULL REFERENCES multipart_uploads(upload_id) ON DELETE CASCADE,
  part_number      INTEGER NOT NULL,
  blob_id          TEXT NOT NULL,
  size             INTEGER NOT NULL,
  etag             TEXT NOT NULL,
  checksum_crc32   TEXT,
  checksum_crc32c  TEXT,
  checksum_sha1    TEXT,
  checksum_sha256  TEXT,
  last_modified_ms INTEGER NOT NULL,
  PRIMARY KEY (upload_id, part_number)
) STRICT, WITHOUT ROWID;
CREATE INDEX parts_by_blob ON parts (blob_id);
)sql",
    // 2: which object a multipart upload was completed into, with the parts it was
    // completed with, so a retried CompleteMultipartUpload answers as the first did.
    // The row goes with the object (overwritten or deleted).
    R"sql(
CREATE TABLE completed_uploads (
  upload_id    TEXT PRIMARY KEY NOT NULL,
  generation   INTEGER NOT NULL REFERENCES objects(generation) ON DELETE CASCADE,
  parts_digest TEXT NOT NULL
) STRICT;
CREATE INDEX completed_uploads_by_generation ON completed_uploads (generation);
)sql",
    // 3: bucket lifecycle configurations (PutBucketLifecycleConfiguration), in a table of
    // their own so that the buckets' rows and queries stay as they are.
    R"sql(
CREATE TABLE bucket_lifecycle (
  bucket        TEXT PRIMARY KEY NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
  configuration TEXT NOT NULL,
  updated_ms    INTEGER NOT NULL
) STRICT;
)sql",
};

// User metadata as (varint length, bytes) pairs: compact, and any byte value
// survives, which a separator-based format could not promise.
void put_varint(std::string& out, std::size_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool get_varint(std::string_view& in, std::size_t& v) {
  v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (in.empty()) return false;
    auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::size_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

std::string encode_metadata(const UserMetadata& metadata) {
  std::string out;
  for (const auto& [name, value] : metadata) {
    put_varint(out, name.size());
    out += name;
    put_varint(out, value.size());
    out += value;
  }
  return out;
}

UserMetadata decode_metadata(std::string_view in) {
  UserMetadata metadata;
  auto take = [&](std::string& into) {
    std::size_t n;
    if (!get_varint(in, n) || n > in.size()) throw DbError(SQLITE_CORRUPT, "corrupt user metadata");
    into.assign(in.substr(0, n));
    in.remove_prefix(n);
  };
  while (!in.empty()) {
    auto& [name, value] = metadata.emplace_back();
    take(name);
    take(value);
  }
  return metadata;
}

std::int64_t to_ms(Timestamp t) {
  return t.time_since_epoch().count();
}
Timestamp from_ms(std::int64_t ms) {
  return Timestamp(std::chrono::milliseconds(ms));
}

BlobId parse_blob_id(const std::string& hex) {
  auto id = BlobId::parse(hex);
  if (!id) throw DbError(SQLITE_CORRUPT, "corrupt blob id in the metadata database");
  return *id;
}

// Binds headers to ?first .. ?first+5.
void bind_headers(Statement& s, int first, const ObjectHeaders& h) {
  s.bind_optional_text(first, h.content_type)
      .bind_optional_text(first + 1, h.content_disposition)
      .bind_optional_text(first + 2, h.content_encoding)
      .bind_optional_text(first + 3, h.content_language)
      .bind_optional_text(first + 4, h.cache_control)
      .bind_optional_text(first + 5, h.expires);
}

ObjectHeaders read_headers(const Statement& s, int first) {
  return {s.optional_text(first),     s.optional_text(first + 1), s.optional_text(first + 2),
          s.optional_text(first + 3), s.optional_text(first + 4), s.optional_text(first + 5)};
}

// Binds checksums to ?first .. ?first+3 in kAllChecksumAlgorithms order.
void bind_checksums(Statement& s, int first, const Checksums& c) {
  for (std::size_t i = 0; i < kAllChecksumAlgorithms.size(); ++i)
    s.bind_optional_text(first + static_cast<int>(i), c.get(kAllChecksumAlgorithms[i]));
}

Checksums read_checksums(const Statement& s, int first) {
  Checksums c;
  for (std::size_t i = 0; i < kAllChecksumAlgorithms.size(); ++i) {
    if (auto v = s.optional_text(first + static_cast<int>(i)))
      c.set(kAllChecksumAlgorithms[i], std::move(*v));
  }
  return c;
}

}  // namespace

// ---- MetadataDb -------------------------------------------------------------

MetadataDb::MetadataDb(std::filesystem::path file, Options options)
    : file_(std::move(file)), options_(options) {}

MetadataDb::~MetadataDb() = default;

Expected<std::unique_ptr<MetadataDb>, StoreError> MetadataDb::open(
    const std::filesystem::path& file, Options options) {
  std::unique_ptr<MetadataDb> db(new MetadataDb(file, options));
  try {
    db->writer_ = db->open_connection(false);
    db->migrate();
  } catch (const DbError& e) {
    return Unexpected(StoreError{StoreErrc::kInternalError, e.what()});
  }
  return db;
}

std::unique_ptr<SqliteConnection> MetadataDb::open_connection(bool read_only) {
  auto c = std::make_unique<SqliteConnection>(file_, false);
  sqlite3_busy_timeout(c->handle(), options_.busy_timeout_ms);
  if (!read_only) {
    // journal_mode is persistent in the file; the rest are per connection.
    auto s = c->prepare("PRAGMA journal_mode=WAL");
    if (!s.step() || s.text(0) != "wal") {
      throw DbError(SQLITE_ERROR, "the metadata database cannot use write-ahead logging");
    }
  }
  c->exec(options_.sync_commits ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  c->exec("PRAGMA foreign_keys=ON");
  c->exec("PRAGMA temp_store=MEMORY");
  if (read_only) c->exec("PRAGMA query_only=ON");
  return c;
}

void MetadataDb::migrate() {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& c = *writer_;
  begin(c, true);
  try {
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL) STRICT");
    std::int64_t version;
    {
      auto s = c.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
      s.step();
      version = s.int64(0);
    }
    if (version > kSchemaVersion) {
      throw DbError(SQLITE_ERROR, "the metadata database has schema version " +
                                      std::to_string(version) + ", newer than this program's " +
                                      std::to_string(kSchemaVersion));
    }
    created_fresh_ = version == 0;
    for (auto v = version; v < kSchemaVersion; ++v) {
      c.exec(kMigrations[static_cast<std::size_t>(v)]);
      c.prepare("INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)")
          .bind(1, v + 1)
          .bind(2, to_ms(now_ms()))
          .run();
    }
    commit(c);
  } catch (...) {
    rollback(c);
    throw;
  }
}

int MetadataDb::schema_version() {
  auto v = read([](Txn& txn) -> Expected<int, StoreError> {
    auto s = txn.connection_.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    s.step();
    return static_cast<int>(s.int64(0));
  });
  return v ? *v : -1;
}

SqliteConnection* MetadataDb::take_reader() {
  {
    std::lock_guard lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      auto c = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return c.release();
    }
  }
  return open_connection(true).release();
}

void MetadataDb::return_reader(SqliteConnection* connection) {
  std::unique_ptr<SqliteConnection> owned(connection);
  std::lock_guard lock(readers_mutex_);
  idle_readers_.push_back(std::move(owned));
}

void MetadataDb::discard_reader(SqliteConnection* connection) noexcept {
  rollback(*connection);
  delete connection;
}

void MetadataDb::begin(SqliteConnection& c, bool immediate) {
  c.prepare(immediate ? "BEGIN IMMEDIATE" : "BEGIN").run();
}

void MetadataDb::commit(SqliteConnection& c) {
  c.prepare("COMMIT").run();
}

void MetadataDb::rollback(SqliteConnection& c) noexcept {
  if (!sqlite3_get_autocommit(c.handle()))
    sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

// ---- Txn: buckets -----------------------------------------------------------

void MetadataDb::Txn::require_writable() const {
  if (!writable_) throw std::logic_error("modifying query in a read transaction");
}

std::optional<BucketRecord> MetadataDb::Txn::find_bucket(std::string_view name) {
  auto s =
      connection_.prepare("SELECT name, created_ms, region, acl, cors FROM buckets WHERE name = ?");
  s.bind_text(1, name);
  if (!s.step()) return std::nullopt;
  return BucketRecord{s.text(0), from_ms(s.int64(1)), s.text(2), s.text(3), s.optional_text(4)};
}

std::vector<BucketRecord> MetadataDb::Txn::list_buckets() {
  auto s =
      connection_.prepare("SELECT name, created_ms, region, acl, cors FROM buckets ORDER BY name");
  std::vector<BucketRecord> out;
  while (s.step()) {
    out.push_back({s.text(0), from_ms(s.int64(1)), s.text(2), s.text(3), s.optional_text(4)});
  }
  return out;
}

void MetadataDb::Txn::insert_bucket(const BucketRecord& b) {
  require_writable();
  connection_
      .prepare("INSERT INTO buckets (name, created_ms, region, acl, cors) VALUES (?, ?, ?, ?, ?)")
      .bind_text(1, b.name)
      .bind(2, to_ms(b.created))
      .bind_text(3, b.region)
      .bind_text(4, b.acl)
      .bind_optional_text(5, b.cors)
      .run();
}

void MetadataDb::Txn::delete_bucket(std::string_view name) {
  require_writable();
  connection_.prepare("DELETE FROM buckets WHERE name = ?").bind_text(1, name).run();
}

void MetadataDb::Txn::update_bucket_cors(std::string_view name,
                                         const std::optional<std::string>& cors) {
  require_writable();
  connection_.prepare("UPDATE buckets SET cors = ? WHERE name = ?")
      .bind_optional_text(1, cors)
      .bind_text(2, name)
      .run();
}

void MetadataDb::Txn::update_bucket_acl(std::string_view name, std::string_view acl) {
  require_writable();
  connection_.prepare("UPDATE buckets SET acl = ? WHERE name = ?")
      .bind_text(1, acl)
      .bind_text(2, name)
      .run();
}

bool MetadataDb::Txn::bucket_has_objects(std::string_view bucket) {
  auto s = connection_.prepare("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1");
  s.bind_text(1, bucket);
  return s.step();
}

bool MetadataDb::Txn::bucket_has_uploads(std::string_view bucket) {
  auto s = connection_.prepare("SELECT 1 FROM multipart_uploads WHERE bucket = ? LIMIT 1");
  s.bind_text(1, bucket);
  return s.step();
}

std::optional<std::string> MetadataDb::Txn::find_bucket_lifecycle(std::string_view bucket) {
  auto s = connection_.prepare("SELECT configuration FROM bucket_lifecycle WHERE bucket = ?");
  s.bind_text(1, bucket);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void MetadataDb::Txn::put_bucket_lifecycle(std::string_view bucket,
                                           std::string_view configuration) {
  require_writable();
  connection_
      .prepare(
          "INSERT OR REPLACE INTO bucket_lifecycle (bucket, configuration, updated_ms)"
          " VALUES (?, ?, ?)")
      .bind_text(1, bucket)
      .bind_text(2, configuration)
      .bind(3, to_ms(now_ms()))
      .run();
}

void MetadataDb::Txn::delete_bucket_lifecycle(std::string_view bucket) {
  require_writable();
  connection_.prepare("DELETE FROM bucket_lifecycle WHERE bucket = ?").bind_text(1, bucket).run();
}

std::vector<std::string> MetadataDb::Txn::buckets_with_lifecycle() {
  auto s = connection_.prepare("SELECT bucket FROM bucket_lifecycle ORDER BY bucket");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

// ---- Txn: objects -----------------------------------------------------------

std::optional<ObjectRecord> MetadataDb::Txn::find_object(std::string_view bucket,
                                                         std::string_view key) {
  ObjectRecord r;
  {
    auto s = connection_.prepare(
        "SELECT generation, size, etag, parts_count, content_type, content_disposition,"
        " content_encoding, content_language, cache_control, expires, user_metadata,"
        " checksum_crc32, checksum_crc32c, checksum_sha1, checksum_sha256, acl, last_modified_ms"
        " FROM objects WHERE bucket = ? AND key = ?");
    s.bind_text(1, bucket).bind_blob(2, key);
    if (!s.step()) return std::nullopt;
    r.generation = s.int64(0);
    r.bucket = bucket;
    r.key = key;
    r.size = static_cast<std::uint64_t>(s.int64(1));
    r.etag = s.text(2);
    r.parts_count = static_cast<int>(s.int64(3));
    r.headers = read_headers(s, 4);
    r.user_metadata = decode_metadata(s.blob(10));
    r.checksums = read_checksums(s, 11);
    r.acl = s.text(15);
    r.last_modified = from_ms(s.int64(16));
  }
  auto s = connection_.prepare(
      "SELECT blob_id, size FROM object_segments WHERE generation = ? ORDER BY seq");
  s.bind(1, r.generation);
  while (s.step()) {
    r.segments.push_back({parse_blob_id(s.text(0)), static_cast<std::uint64_t>(s.int64(1))});
  }
  return r;
}

std::optional<std::int64_t> MetadataDb::Txn::find_object_generation(std::string_view bucket,
                                                                    std::string_view key) {
  auto s = connection_.prepare("SELECT generation FROM objects WHERE bucket = ? AND key = ?");
  s.bind_text(1, bucket).bind_blob(2, key);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

void MetadataDb::Txn::insert_object(ObjectRecord& r) {
  require_writable();
  {
    auto s = connection_.prepare(
        "INSERT INTO objects (bucket, key, size, etag, parts_count, content_type,"
        " content_disposition, content_encoding, content_language, cache_control, expires,"
        " user_metadata, checksum_crc32, checksum_crc32c, checksum_sha1, checksum_sha256, acl,"
        " last_modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind_text(1, r.bucket)
        .bind_blob(2, r.key)
        .bind(3, static_cast<std::int64_t>(r.size))
        .bind_text(4, r.etag)
        .bind(5, r.parts_count);
    bind_headers(s, 6, r.headers);
    s.bind_blob(12, encode_metadata(r.user_metadata));
    bind_checksums(s, 13, r.checksums);
    s.bind_text(17, r.acl).bind(18, to_ms(r.last_modified));
    s.run();
  }
  r.generation = sqlite3_last_insert_rowid(connection_.handle());
  auto s = connection_.prepare(
      "INSERT INTO object_segments (generation, seq, blob_id, size) VALUES (?, ?, ?, ?)");
  for (std::size_t i = 0; i < r.segments.size(); ++i) {
    s.bind(1, r.generation)
        .bind(2, static_cast<std::int64_t>(i))
        .bind_text(3, r.segments[i].blob.hex())
        .bind(4, static_cast<std::int64_t>(r.segments[i].size));
    s.run();
    s.reset();
  }
}

void MetadataDb::Txn::delete_object(std::int64_t generation) {
  require_writable();
  connection_.prepare("DELETE FROM objects WHERE generation = ?").bind(1, generation).run();
}

void MetadataDb::Txn::for_each_object(std::string_view bucket, const KeyRange& range,
                                      const std::function<bool(ObjectSummary&&)>& visit) {
  static constexpr const char* kBounded =
      "SELECT key, size, etag, last_modified_ms, checksum_crc32, checksum_crc32c, checksum_sha1,"
      " checksum_sha256 FROM objects WHERE bucket = ?1 AND key >= ?2 AND key < ?3"
      " ORDER BY key";
  static constexpr const char* kUnbounded =
      "SELECT key, size, etag, last_modified_ms, checksum_crc32, checksum_crc32c, checksum_sha1,"
      " checksum_sha256 FROM objects WHERE bucket = ?1 AND key >= ?2 ORDER BY key";
  auto s = connection_.prepare(range.to ? kBounded : kUnbounded);
  s.bind_text(1, bucket).bind_blob(2, range.from);
  if (range.to) s.bind_blob(3, *range.to);
  while (s.step()) {
    ObjectSummary row{s.blob(0), static_cast<std::uint64_t>(s.int64(1)), s.text(2),
                      from_ms(s.int64(3)), read_checksums(s, 4)};
    if (!visit(std::move(row))) return;
  }
}

std::vector<ObjectSummary> MetadataDb::Txn::scan_objects(std::string_view bucket,
                                                         const KeyRange& range, int limit) {
  std::vector<ObjectSummary> out;
  if (limit <= 0) return out;
  for_each_object(bucket, range, [&](ObjectSummary&& row) {
    out.push_back(std::move(row));
    return static_cast<int>(out.size()) < limit;
  });
  return out;
}

// ---- Txn: uploads and parts -------------------------------------------------

void MetadataDb::Txn::insert_upload(const UploadRecord& u) {
  require_writable();
  auto s = connection_.prepare(
      "INSERT INTO multipart_uploads (upload_id, bucket, key, initiated_ms, content_type,"
      " content_disposition, content_encoding, content_language, cache_control, expires,"
      " user_metadata, acl, checksum_algorithm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind_text(1, u.upload_id)
      .bind_text(2, u.bucket)
      .bind_blob(3, u.key)
      .bind(4, to_ms(u.initiated));
  bind_headers(s, 5, u.headers);
  s.bind_blob(11, encode_metadata(u.user_metadata)).bind_text(12, u.acl);
  if (u.checksum_algorithm) {
    s.bind_text(13, checksum_algorithm_name(*u.checksum_algorithm));
  } else {
    s.bind_null(13);
  }
  s.run();
}

namespace {
constexpr const char* kUploadColumns =
    "upload_id, bucket, key, initiated_ms, content_type, content_disposition, content_encoding,"
    " content_language, cache_control, expires, user_metadata, acl, checksum_algorithm";

UploadRecord read_upload(const Statement& s) {
  UploadRecord u;
  u.upload_id = s.text(0);
  u.bucket = s.text(1);
  u.key = s.blob(2);
  u.initiated = from_ms(s.int64(3));
  u.headers = read_headers(s, 4);
  u.user_metadata = decode_metadata(s.blob(10));
  u.acl = s.text(11);
  if (auto name = s.optional_text(12)) {
    u.checksum_algorithm = parse_checksum_algorithm(*name);
    if (!u.checksum_algorithm) throw DbError(SQLITE_CORRUPT, "unknown checksum algorithm");
  }
  return u;
}
}  // namespace

std::optional<UploadRecord> MetadataDb::Txn::find_upload(std::string_view upload_id) {
  static const std::string sql =
      std::string("SELECT ") + kUploadColumns + " FROM multipart_uploads WHERE upload_id = ?";
  auto s = connection_.prepare(sql.c_str());
  s.bind_text(1, upload_id);
  if (!s.step()) return std::nullopt;
  return read_upload(s);
}

void MetadataDb::Txn::delete_upload(std::string_view upload_id) {
  require_writable();
  connection_.prepare("DELETE FROM multipart_uploads WHERE upload_id = ?")
      .bind_text(1, upload_id)
      .run();
}

void MetadataDb::Txn::insert_completed_upload(std::string_view upload_id,
                                              const CompletedUpload& completed) {
  require_writable();
  connection_
      .prepare(
          "INSERT OR REPLACE INTO completed_uploads (upload_id, generation, parts_digest)"
          " VALUES (?, ?, ?)")
      .bind_text(1, upload_id)
      .bind(2, completed.generation)
      .bind_text(3, completed.parts_digest)
      .run();
}

std::optional<MetadataDb::Txn::CompletedUpload> MetadataDb::Txn::find_completed_upload(
    std::string_view upload_id) {
  auto s = connection_.prepare(
      "SELECT generation, parts_digest FROM completed_uploads WHERE upload_id = ?");
  s.bind_text(1, upload_id);
  if (!s.step()) return std::nullopt;
  return CompletedUpload{s.int64(0), s.text(1)};
}

void MetadataDb::Txn::for_each_upload(std::string_view bucket, std::string_view after_key,
                                      std::string_view after_upload_id,
                                      const std::optional<std::string>& range_end,
                                      const std::function<bool(UploadRecord&&)>& visit) {
  // Row values let SQLite walk the (bucket, key, upload_id) index from the marker.
  static const std::string bounded =
      std::string("SELECT ") + kUploadColumns +
      " FROM multipart_uploads WHERE bucket = ?1 AND (key, upload_id) > (?2, ?3) AND key < ?4"
      " ORDER BY key, upload_id";
  static const std::string unbounded =
      std::string("SELECT ") + kUploadColumns +
      " FROM multipart_uploads WHERE bucket = ?1 AND (key, upload_id) > (?2, ?3)"
      " ORDER BY key, upload_id";
  auto s = connection_.prepare(range_end ? bounded.c_str() : unbounded.c_str());
  s.bind_text(1, bucket).bind_blob(2, after_key).bind_text(3, after_upload_id);
  if (range_end) s.bind_blob(4, *range_end);
  while (s.step()) {
    if (!visit(read_upload(s))) return;
  }
}

std::optional<BlobId> MetadataDb::Txn::upsert_part(const PartRecord& p) {
  require_writable();
  std::optional<BlobId> replaced;
  {
    auto s =
        connection_.prepare("SELECT blob_id FROM parts WHERE upload_id = ? AND part_number = ?");
    s.bind_text(1, p.upload_id).bind(2, p.part_number);
    if (s.step()) replaced = parse_blob_id(s.text(0));
  }
  auto s = connection_.prepare(
      "INSERT OR REPLACE INTO parts (upload_id, part_number, blob_id, size, etag, checksum_crc32,"
      " checksum_crc32c, checksum_sha1, checksum_sha256, last_modified_ms)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind_text(1, p.upload_id)
      .bind(2, p.part_number)
      .bind_text(3, p.blob.hex())
      .bind(4, static_cast<std::int64_t>(p.size))
      .bind_text(5, p.etag);
  bind_checksums(s, 6, p.checksums);
  s.bind(10, to_ms(p.last_modified));
  s.run();
  return replaced;
}

std::vector<PartRecord> MetadataDb::Txn::list_parts(std::string_view upload_id,
                                                    int after_part_number, int limit) {
  auto s = connection_.prepare(
      "SELECT part_number, blob_id, size, etag, checksum_crc32, checksum_crc32c, checksum_sha1,"
      " checksum_sha256, last_modified_ms FROM parts WHERE upload_id = ? AND part_number > ?"
      " ORDER BY part_number LIMIT ?");
  s.bind_text(1, upload_id).bind(2, after_part_number).bind(3, limit);
  std::vector<PartRecord> out;
  while (s.step()) {
    PartRecord p;
    p.upload_id = upload_id;
    p.part_number = static_cast<int>(s.int64(0));
    p.blob = parse_blob_id(s.text(1));
    p.size = static_cast<std::uint64_t>(s.int64(2));
    p.etag = s.text(3);
    p.checksums = read_checksums(s, 4);
    p.last_modified = from_ms(s.int64(8));
    out.push_back(std::move(p));
  }
  return out;
}

bool MetadataDb::Txn::blob_referenced(const BlobId& blob) {
  auto s = connection_.prepare(
      "SELECT EXISTS (SELECT 1 FROM object_segments WHERE blob_id = ?1)"
      " OR EXISTS (SELECT 1 FROM parts WHERE blob_id = ?1)");
  s.bind_text(1, blob.hex());
  s.step();
  return s.int64(0) != 0;
}

}  // namespace upgate::store
