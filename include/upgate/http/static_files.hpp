// Static file handlers: assets compiled into the binary (the demo page) and files under a
// directory.
//
// Promises, both kinds:
// - GET and HEAD only (others: 405 with Allow: GET, HEAD). Unknown path: 404.
// - A strong ETag per file; a request whose If-None-Match lists it (or "*") gets 304
//   with no body. Cache-Control from the options, and the options' extra headers (a
//   Content-Security-Policy, say) on both.
// - Content-Type from the asset, or for directory files from the extension
//   (application/octet-stream when unknown), with X-Content-Type-Options: nosniff.
// - "/" and any path ending in '/' map to index.html under it.
//
// InMemoryFiles serves its bytes without copying them (the map owns them, or they are
// static data whose string_view was given).
//
// DirectoryFiles resolves a request path without ever leaving its root: the path is
// percent-decoded once, then refused (404) when it holds NUL, a backslash, an empty,
// "." or ".." segment, or a segment starting with '.' (no dotfiles); the file is opened
// with openat(2) segment by segment under the root's descriptor with O_NOFOLLOW, so no
// symlink is followed, and must be a regular file. File reads run on the blocking pool;
// files are streamed in 64 KiB pieces.
#pragma once

#include <upgate/http/exchange.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace upgate::http {

struct StaticAsset {
  std::string bytes;
  std::string content_type;
};

struct StaticFilesOptions {
  // Prefix of the request path to strip before lookup ("/static" → "/static/app.js" looks
  // up "/app.js"). Empty: the whole path.
  std::string mount_prefix;
  std::string cache_control = "no-cache";  // revalidate with the ETag every time
  // Sent with every file (200 and 304): name, value.
  std::vector<std::pair<std::string, std::string>> headers;
};

class InMemoryFiles {
 public:
  // Keys are absolute paths ("/index.html").
  explicit InMemoryFiles(std::map<std::string, StaticAsset> files, StaticFilesOptions options = {});

  boost::asio::awaitable<void> serve(Exchange& exchange) const;
  // Handler that serves from this object; it must outlive the server.
  Handler handler() const;

  // The ETag served for a path, or "" when unknown (for tests and logs).
  std::string etag_of(std::string_view path) const;

 private:
  struct Entry {
    StaticAsset asset;
    std::string etag;
  };
  std::map<std::string, Entry, std::less<>> files_;
  StaticFilesOptions options_;
};

class DirectoryFiles {
 public:
  // Opens root now; a missing root is reported by ok() (every request then gets 404).
  explicit DirectoryFiles(const std::filesystem::path& root, StaticFilesOptions options = {});
  ~DirectoryFiles();
  DirectoryFiles(const DirectoryFiles&) = delete;
  DirectoryFiles& operator=(const DirectoryFiles&) = delete;

  bool ok() const noexcept { return root_fd_ >= 0; }
  boost::asio::awaitable<void> serve(Exchange& exchange) const;
  Handler handler() const;

 private:
  int root_fd_ = -1;
  StaticFilesOptions options_;
};

// Content type for a file name by extension ("app.js" → "text/javascript; charset=utf-8").
std::string_view content_type_for(std::string_view file_name) noexcept;

// True when an If-None-Match header value matches the entity tag (weak comparison).
bool if_none_match_matches(std::string_view header_value, std::string_view etag) noexcept;

// The relative path a request path maps to, or nullopt when it is not a safe path inside
// the root (see the rules above). "/a/b%20c" → "a/b c"; "/" → "index.html".
std::optional<std::string> safe_relative_path(std::string_view request_path);

}  // namespace upgate::http
