#include <upgate/http/static_files.hpp>
#include <upgate/text.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

namespace upgate::http {

namespace {

constexpr std::size_t kFilePiece = 64 * 1024;

std::uint64_t fnv1a(std::string_view bytes) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string make_etag(std::uint64_t a, std::uint64_t b) {
  char text[48];
  const int n =
      std::snprintf(text, sizeof text, "\"%llx-%llx\"", static_cast<unsigned long long>(a),
                    static_cast<unsigned long long>(b));
  return std::string(text, static_cast<std::size_t>(n));
}

// Strips the mount prefix; nullopt when the path is not under it.
std::optional<std::string_view> strip_mount(std::string_view path, std::string_view prefix) {
  if (prefix.empty()) return path;
  if (!path.starts_with(prefix)) return std::nullopt;
  path.remove_prefix(prefix.size());
  if (path.empty()) return std::string_view("/");
  if (path.front() != '/') return std::nullopt;  // "/staticfoo" is not under "/static"
  return path;
}

bool method_allowed(Exchange& exchange) {
  const Method m = exchange.request().method();
  return m == Method::get || m == Method::head;
}

Response not_allowed() {
  Response r = Response::status_only(405);
  r.add_header("Allow", "GET, HEAD");
  return r;
}

void add_validators(Response& r, std::string_view etag, const StaticFilesOptions& options) {
  r.add_header("ETag", etag);
  if (!options.cache_control.empty()) r.add_header("Cache-Control", options.cache_control);
  for (const auto& [name, value] : options.headers) r.add_header(name, value);
}

struct FileDescriptor {
  int fd = -1;
  FileDescriptor() = default;
  explicit FileDescriptor(int f) : fd(f) {}
  FileDescriptor(FileDescriptor&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens rel (already validated) under root_fd without following any symlink.
FileDescriptor open_beneath(int root_fd, const std::string& rel, struct stat* st) {
  FileDescriptor dir;
  int at = root_fd;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = rel.find('/', start);
    const std::string segment =
        rel.substr(start, slash == std::string::npos ? rel.npos : slash - start);
    if (slash == std::string::npos) {
      FileDescriptor file(
          ::openat(at, segment.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
      if (file.fd < 0 || ::fstat(file.fd, st) != 0 || !S_ISREG(st->st_mode)) return {};
      return file;
    }
    FileDescriptor next(
        ::openat(at, segment.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.fd < 0) return {};
    dir = std::move(next);
    at = dir.fd;
    start = slash + 1;
  }
}

}  // namespace

std::string_view content_type_for(std::string_view file_name) noexcept {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string_view ext = file_name.substr(dot + 1);
  struct Mapping {
    std::string_view ext, type;
  };
  static constexpr Mapping kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"wasm", "application/wasm"},
      {"map", "application/json"},
      {"woff2", "font/woff2"},
  };
  for (const auto& m : kTypes) {
    if (text::iequals(ext, m.ext)) return m.type;
  }
  return "application/octet-stream";
}

bool if_none_match_matches(std::string_view header_value, std::string_view etag) noexcept {
  auto strip_weak = [](std::string_view t) {
    if (t.starts_with("W/")) t.remove_prefix(2);
    return t;
  };
  const std::string_view wanted = strip_weak(etag);
  while (!header_value.empty()) {
    const auto comma = header_value.find(',');
    const std::string_view item = text::trim(header_value.substr(0, comma));
    if (item == "*" || strip_weak(item) == wanted) return true;
    if (comma == std::string_view::npos) break;
    header_value.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<std::string> safe_relative_path(std::string_view request_path) {
  if (request_path.empty() || request_path.front() != '/') return std::nullopt;
  std::string decoded;
  decoded.reserve(request_path.size() + 10);
  for (std::size_t i = 1; i < request_path.size(); ++i) {
    char c = request_path[i];
    if (c == '%') {
      if (i + 2 >= request_path.size()) return std::nullopt;
      const int hi = text::hex_value(request_path[i + 1]);
      const int lo = text::hex_value(request_path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0' || c == '\\') return std::nullopt;
    decoded += c;
  }
  if (decoded.empty() || decoded.back() == '/') decoded += "index.html";
  std::size_t start = 0;
  while (start <= decoded.size()) {
    const std::size_t slash = decoded.find('/', start);
    const std::string_view segment = std::string_view(decoded).substr(
        start, slash == std::string::npos ? decoded.npos : slash - start);
    if (segment.empty() || segment.front() == '.') return std::nullopt;  // also "." and ".."
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return decoded;
}

// --- InMemoryFiles -------------------------------------------------------------------

InMemoryFiles::InMemoryFiles(std::map<std::string, StaticAsset> files, StaticFilesOptions options)
    : options_(std::move(options)) {
  for (auto& [path, asset] : files) {
    std::string etag = make_etag(asset.bytes.size(), fnv1a(asset.bytes));
    files_.emplace(path, Entry{std::move(asset), std::move(etag)});
  }
}

std::string InMemoryFiles::etag_of(std::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? std::string() : it->second.etag;
}

boost::asio::awaitable<void> InMemoryFiles::serve(Exchange& exchange) const {
  if (!method_allowed(exchange)) {
    co_await exchange.respond(not_allowed());
    co_return;
  }
  auto path = strip_mount(exchange.request().path(), options_.mount_prefix);
  auto it = files_.end();
  if (path) {
    it = files_.find(*path);
    if (it == files_.end() && path->ends_with('/')) {
      it = files_.find(std::string(*path) + "index.html");
    }
  }
  if (it == files_.end()) {
    co_await exchange.respond(Response::status_only(404));
    co_return;
  }
  const Entry& entry = it->second;
  Response response(200);
  add_validators(response, entry.etag, options_);
  if (auto inm = exchange.request().header("If-None-Match");
      inm && if_none_match_matches(*inm, entry.etag)) {
    response.set_status(304);
    co_await exchange.respond(response);
    co_return;
  }
  response.add_header("X-Content-Type-Options", "nosniff");
  response.set_body_view(entry.asset.bytes, entry.asset.content_type);
  co_await exchange.respond(response);
}

Handler InMemoryFiles::handler() const {
  return [this](Exchange& exchange) { return serve(exchange); };
}

// --- DirectoryFiles ------------------------------------------------------------------

DirectoryFiles::DirectoryFiles(const std::filesystem::path& root, StaticFilesOptions options)
    : root_fd_(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
      options_(std::move(options)) {}

DirectoryFiles::~DirectoryFiles() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

boost::asio::awaitable<void> DirectoryFiles::serve(Exchange& exchange) const {
  if (!method_allowed(exchange)) {
    co_await exchange.respond(not_allowed());
    co_return;
  }
  std::optional<std::string> rel;
  if (auto path = strip_mount(exchange.request().path(), options_.mount_prefix)) {
    rel = safe_relative_path(*path);
  }
  if (!rel || root_fd_ < 0) {
    co_await exchange.respond(Response::status_only(404));
    co_return;
  }
  FileDescriptor file;
  struct stat st {};
  co_await exchange.run_blocking([&] { file = open_beneath(root_fd_, *rel, &st); });
  if (file.fd < 0) {
    co_await exchange.respond(Response::status_only(404));
    co_return;
  }
  const std::string etag = make_etag(static_cast<std::uint64_t>(st.st_size),
                                     static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                                         static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
  Response head(200);
  add_validators(head, etag, options_);
  if (auto inm = exchange.request().header("If-None-Match");
      inm && if_none_match_matches(*inm, etag)) {
    head.set_status(304);
    co_await exchange.respond(head);
    co_return;
  }
  head.add_header("X-Content-Type-Options", "nosniff");
  head.add_header("Content-Type", content_type_for(*rel));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (!co_await exchange.write_header(head, BodyFraming::content_length(size))) co_return;
  if (exchange.request().method() == Method::head) {
    co_await exchange.finish();
    co_return;
  }
  std::vector<char> piece(static_cast<std::size_t>(std::min<std::uint64_t>(size, kFilePiece)));
  std::uint64_t offset = 0;
  while (offset < size) {
    ssize_t got = -1;
    co_await exchange.run_blocking([&] {
      do {
        got = ::pread(file.fd, piece.data(), piece.size(), static_cast<off_t>(offset));
      } while (got < 0 && errno == EINTR);
    });
    if (got <= 0) co_return;  // truncated under us: the server closes the short response
    if (!co_await exchange.write_body_chunk(
            std::string_view(piece.data(), static_cast<std::size_t>(got)))) {
      co_return;
    }
    offset += static_cast<std::uint64_t>(got);
  }
  co_await exchange.finish();
}

Handler DirectoryFiles::handler() const {
  return [this](Exchange& exchange) { return serve(exchange); };
}

}  // namespace upgate::http
