// upgate::http::TlsCertificates: the certificate pair a TLS server hands to new handshakes,
// replaceable while it serves.
//
// Promises:
// - current() is cheap and thread-safe; it is what each accepted connection takes.
// - reload() reads both files again and, when they make a good pair (tls.hpp), makes it
//   current. A refused pair changes nothing: the error says why and current() stays.
// - reload_if_changed() is the watcher's step: it looks at both files (a stat() each:
//   device, inode, size, mtime, ctime, so a rewrite in place, a rename over the file and a
//   symlink switched by certbot all count) and reloads when they differ from the pair last
//   attempted and have not changed since the previous look. That one look of settling keeps
//   a renewal caught between writing the certificate and writing the key from being logged
//   as a refused pair. A refused pair is not retried until a file changes again.
// - All members are thread-safe; reload() and reload_if_changed() block (file reads), so
//   they belong off the I/O threads.
#pragma once

#include <upgate/expected.hpp>
#include <upgate/http/tls.hpp>
#include <upgate/http/tls_context.hpp>

#include <sys/stat.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace upgate::http {

class TlsCertificates {
 public:
  static Expected<std::unique_ptr<TlsCertificates>, TlsError> load(TlsFiles files);

  std::shared_ptr<const TlsContext> current() const { return current_.load(); }
  const TlsFiles& files() const noexcept { return files_; }

  Expected<TlsCertificateInfo, TlsError> reload();
  // nullopt: nothing to do (unchanged, or changed and still settling).
  std::optional<Expected<TlsCertificateInfo, TlsError>> reload_if_changed();

  // Identity of one file as stat() sees it; all zero when it cannot be stat()ed.
  struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  using Stamps = std::array<FileStamp, 2>;  // certificate chain, private key

 private:
  explicit TlsCertificates(TlsFiles files) : files_(std::move(files)) {}
  Stamps stamp() const;
  Expected<TlsCertificateInfo, TlsError> attempt(const Stamps& stamps);

  const TlsFiles files_;
  std::atomic<std::shared_ptr<const TlsContext>> current_;
  std::mutex reload_mutex_;  // one reload at a time; guards the stamps
  Stamps attempted_{};       // the files as they were when last loaded or refused
  Stamps last_seen_{};       // the files at the previous reload_if_changed()
};

}  // namespace upgate::http
