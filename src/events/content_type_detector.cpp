#include "upgate/events/content_type_detector.hpp"

#include <magic.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "upgate/text.hpp"

namespace upgate::events {

struct ContentTypeDetector::Database {
  std::string bytes;  // the compiled database; libmagic handles point into it
};

namespace {

// No decompression: a small gzip bomb must not cost a large inflate.
constexpr int kFlags = MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF;

struct MagicClose {
  void operator()(magic_t m) const { magic_close(m); }
};
using MagicPtr = std::unique_ptr<std::remove_pointer_t<magic_t>, MagicClose>;

// One handle per (thread, database). The entry keeps its database alive, since the handle
// points into the database's bytes.
struct ThreadHandle {
  std::shared_ptr<ContentTypeDetector::Database> database;
  MagicPtr handle;
};

Expected<magic_t, std::string> thread_handle(
    const std::shared_ptr<ContentTypeDetector::Database>& database) {
  thread_local std::vector<ThreadHandle> handles;
  for (const ThreadHandle& h : handles) {
    if (h.database == database) return h.handle.get();
  }
  // Drop handles of databases no detector uses any more.
  std::erase_if(handles, [](const ThreadHandle& h) { return h.database.use_count() == 1; });
  MagicPtr handle(magic_open(kFlags));
  if (!handle) return Unexpected(std::string("libmagic could not start"));
  void* buffers[] = {database->bytes.data()};
  std::size_t sizes[] = {database->bytes.size()};
  if (magic_load_buffers(handle.get(), buffers, sizes, 1) != 0) {
    const char* error = magic_error(handle.get());
    return Unexpected(std::string("libmagic cannot use its database: ") +
                      (error != nullptr ? error : "unknown error"));
  }
  const std::size_t bytes_max = kMagicBytes;
  magic_setparam(handle.get(), MAGIC_PARAM_BYTES_MAX, &bytes_max);
  handles.push_back(ThreadHandle{database, std::move(handle)});
  return handles.back().handle.get();
}

// libmagic's search path ("/etc/magic:/usr/share/misc/magic") names text files; the
// compiled database of each entry is that name plus ".mgc", as libmagic itself looks.
std::string default_database() {
  const char* path = magic_getpath(nullptr, 0);
  std::string_view rest = path != nullptr ? path : "";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string entry(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    std::error_code ec;
    if (std::filesystem::is_regular_file(entry + ".mgc", ec)) return entry + ".mgc";
    if (entry.ends_with(".mgc") && std::filesystem::is_regular_file(entry, ec)) return entry;
  }
  return "/usr/lib/file/magic.mgc";
}

}  // namespace

Expected<ContentTypeDetector, std::string> ContentTypeDetector::load(const std::string& database) {
  const std::string path = database.empty() ? default_database() : database;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected("cannot read the libmagic database " + path);
  auto db = std::make_shared<Database>();
  db->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Unexpected("cannot read the libmagic database " + path);
  ContentTypeDetector detector(std::move(db));
  // Fail now, not on the first upload, when the file is not a database this libmagic reads.
  if (auto probe = thread_handle(detector.database_); !probe) {
    return Unexpected(probe.error() + " (" + path + ")");
  }
  return detector;
}

Expected<std::string, std::string> ContentTypeDetector::detect(std::string_view first_bytes) const {
  auto handle = thread_handle(database_);
  if (!handle) return Unexpected(std::move(handle).error());
  first_bytes = first_bytes.substr(0, std::min(first_bytes.size(), kMagicBytes));
  const char* type = magic_buffer(*handle, first_bytes.data(), first_bytes.size());
  if (type == nullptr) {
    const char* error = magic_error(*handle);
    return Unexpected(std::string("libmagic could not classify the bytes: ") +
                      (error != nullptr ? error : "unknown error"));
  }
  std::string result = text::lower(text::trim(type));
  if (const auto semicolon = result.find(';'); semicolon != std::string::npos) {
    result = std::string(text::trim(std::string_view(result).substr(0, semicolon)));
  }
  return result;
}

}  // namespace upgate::events
