// A thin RAII layer over the SQLite C API: a connection that caches its
// prepared statements, and a statement handle that resets itself after use.
// Failures throw DbError; each user turns them into error values at its own
// boundary (MetadataDb into InternalError, the webhook outbox into OutboxError),
// so no exception leaves a part's public API. The store's metadata and the
// events part's outbox share it; it is not meant for anything outside upgate.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace upgate::store {

// What the wrapper throws. Never leaves a part: each user catches it at its boundary.
class DbError : public std::runtime_error {
 public:
  DbError(int sqlite_code, const std::string& message)
      : std::runtime_error(message), sqlite_code_(sqlite_code) {}
  int sqlite_code() const { return sqlite_code_; }

 private:
  int sqlite_code_;
};

}  // namespace upgate::store

namespace upgate::store::detail {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_optional_text(int index, const std::optional<std::string>& value);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // True while there is a row to read; false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  // Makes the statement ready to bind and run again.
  void reset();

  std::int64_t int64(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::string blob(int column) const;
  bool is_null(int column) const;

 private:
  [[noreturn]] void fail(int rc) const;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConnection {
 public:
  SqliteConnection(const std::filesystem::path& file, bool read_only);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Statements are compiled once per connection and reused.
  Statement prepare(const char* sql);
  void exec(const char* sql);
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

[[noreturn]] void throw_db_error(sqlite3* db, int rc, std::string_view what);

}  // namespace upgate::store::detail
