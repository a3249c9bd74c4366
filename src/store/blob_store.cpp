#include "blob_store.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "upgate/text.hpp"

namespace upgate::store {
namespace fs = std::filesystem;
namespace {

// Client-visible, so it names the operation and errno but never a path.
StoreError io_error(std::string_view what, int err) {
  if (err == ENOSPC || err == EDQUOT) {
    return {StoreErrc::kServiceUnavailable, std::string(what) + ": the store is out of disk space"};
  }
  return {StoreErrc::kInternalError, std::string(what) + ": " + std::strerror(err)};
}

Expected<void, StoreError> write_all(int fd, const std::byte* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Unexpected(io_error("writing blob", errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return {};
}

// Writes iov[0..count) whole, resuming after short writes; the iovecs are consumed.
Expected<void, StoreError> writev_all(int fd, iovec* iov, int count) {
  while (count > 0) {
    ssize_t w = ::writev(fd, iov, count);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Unexpected(io_error("writing blob", errno));
    }
    auto done = static_cast<std::size_t>(w);
    while (count > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + done;
      iov->iov_len -= done;
    }
  }
  return {};
}

Expected<void, StoreError> fsync_path(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Unexpected(io_error("opening directory", errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Unexpected(io_error("syncing directory", err));
  return {};
}

Expected<void, StoreError> make_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Unexpected(io_error("creating directory", ec.value()));
  return {};
}

}  // namespace

// ---- BlobId -----------------------------------------------------------------

BlobId BlobId::random() {
  std::array<std::uint8_t, 16> bytes;
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    got += static_cast<std::size_t>(n);
  }
  return BlobId(text::hex_lower(bytes));
}

std::optional<BlobId> BlobId::parse(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  for (char c : hex) {
    if (!text::is_hex_digit(c) || text::to_lower(c) != c) return std::nullopt;  // lower-case only
  }
  return BlobId(std::string(hex));
}

// ---- CommittedBlob ----------------------------------------------------------

CommittedBlob::~CommittedBlob() {
  reset();
}

CommittedBlob::CommittedBlob(CommittedBlob&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      id_(std::move(other.id_)),
      size_(other.size_),
      digests_(std::move(other.digests_)) {}

CommittedBlob& CommittedBlob::operator=(CommittedBlob&& other) noexcept {
  if (this != &other) {
    reset();
    store_ = std::exchange(other.store_, nullptr);
    id_ = std::move(other.id_);
    size_ = other.size_;
    digests_ = std::move(other.digests_);
  }
  return *this;
}

void CommittedBlob::release() {
  if (store_ != nullptr) {
    store_->unmark_live(*id_);
    store_ = nullptr;
  }
}

void CommittedBlob::reset() {
  if (store_ != nullptr) {
    store_->remove(*id_);       // deferred: the blob is live while this handle holds it
    store_->unmark_live(*id_);  // ...and removed here, unless a reader still pins it
    store_ = nullptr;
  }
}

// ---- BlobWriter -------------------------------------------------------------

BlobWriter::BlobWriter(BlobStore* store, BlobId id, int fd, ChecksumSet checksums,
                       std::uint64_t max_size)
    : store_(store), id_(std::move(id)), fd_(fd), max_size_(max_size), digester_(checksums) {}

BlobWriter::BlobWriter(BlobWriter&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      id_(other.id_),
      fd_(std::exchange(other.fd_, -1)),
      max_size_(other.max_size_),
      size_(other.size_),
      written_(other.written_),
      writeback_queued_(other.writeback_queued_),
      dropped_(other.dropped_),
      digester_(std::move(other.digester_)),
      digests_(std::move(other.digests_)),
      buffer_(std::move(other.buffer_)),
      buffered_(other.buffered_),
      failed_(other.failed_.load()) {}

BlobWriter::~BlobWriter() {
  discard();
}

void BlobWriter::discard() {
  if (store_ == nullptr) return;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(store_->temp_path(id_).c_str());
  store_->unmark_live(id_);
  store_ = nullptr;
}

Expected<void, StoreError> BlobWriter::append(std::span<const std::byte> data) {
  if (auto digested = digest(data); !digested) return digested;
  if (buffered_ == 0 && data.size() >= kBufferSize) {
    return write_through(data.data(), data.size());
  }
  if (!buffer_ && !data.empty()) buffer_ = std::make_unique<std::byte[]>(kBufferSize);
  while (!data.empty()) {
    std::size_t n = std::min(data.size(), kBufferSize - buffered_);
    std::memcpy(buffer_.get() + buffered_, data.data(), n);
    buffered_ += n;
    data = data.subspan(n);
    if (buffered_ == kBufferSize) {
      if (auto flushed = flush(); !flushed) return flushed;
    }
  }
  return {};
}

Expected<void, StoreError> BlobWriter::digest(std::span<const std::byte> data) {
  if (store_ == nullptr || failed_ || digests_) {
    return Unexpected(StoreError{StoreErrc::kInternalError, "append to a finished blob writer"});
  }
  if (data.size() > max_size_ - size_) {
    failed_ = true;
    return Unexpected(StoreError{StoreErrc::kEntityTooLarge,
                                 "Your proposed upload exceeds the maximum allowed size"});
  }
  digester_.update(data);
  size_ += data.size();
  return {};
}

Expected<void, StoreError> BlobWriter::write(std::span<const std::span<const std::byte>> pieces) {
  if (store_ == nullptr) {
    return Unexpected(StoreError{StoreErrc::kInternalError, "write to a finished blob writer"});
  }
  if (auto flushed = flush(); !flushed) return flushed;
  std::array<iovec, IOV_MAX> batch;
  while (!pieces.empty()) {
    const std::size_t count = std::min(pieces.size(), batch.size());
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
      batch[i] = {const_cast<std::byte*>(pieces[i].data()), pieces[i].size()};
      bytes += pieces[i].size();
    }
    if (auto written = writev_all(fd_, batch.data(), static_cast<int>(count)); !written) {
      failed_ = true;
      return written;
    }
    wrote(bytes);
    pieces = pieces.subspan(count);
  }
  return {};
}

Expected<void, StoreError> BlobWriter::flush() {
  if (buffered_ == 0) return {};
  auto written = write_through(buffer_.get(), buffered_);
  buffered_ = 0;
  return written;
}

Expected<void, StoreError> BlobWriter::write_through(const std::byte* data, std::size_t size) {
  auto written = write_all(fd_, data, size);
  if (!written) {
    failed_ = true;
    return written;
  }
  wrote(size);
  return {};
}

void BlobWriter::wrote(std::size_t size) {
  written_ += size;
  if (written_ - writeback_queued_ < kWritebackWindow) return;
  // Write-behind (see the header). The calls only move pages between the cache and
  // the disk: their errors are left to commit()'s fdatasync, which reports them.
  ::sync_file_range(fd_, static_cast<off_t>(writeback_queued_),
                    static_cast<off_t>(written_ - writeback_queued_), SYNC_FILE_RANGE_WRITE);
  if (writeback_queued_ - dropped_ >= 2 * kWritebackWindow) {
    const std::uint64_t end = writeback_queued_ - kWritebackWindow;
    ::sync_file_range(
        fd_, static_cast<off_t>(dropped_), static_cast<off_t>(end - dropped_),
        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    ::posix_fadvise(fd_, static_cast<off_t>(dropped_), static_cast<off_t>(end - dropped_),
                    POSIX_FADV_DONTNEED);
    dropped_ = end;
  }
  writeback_queued_ = written_;
}

const Digests& BlobWriter::finish() {
  if (!digests_) digests_ = digester_.finish();
  return *digests_;
}

Expected<CommittedBlob, StoreError> BlobWriter::commit() {
  if (store_ == nullptr || failed_) {
    return Unexpected(StoreError{StoreErrc::kInternalError, "commit of a failed blob writer"});
  }
  finish();
  if (auto flushed = flush(); !flushed) return Unexpected(flushed.error());
  // Data first: the rename must never expose a name whose bytes are not on disk.
  if (::fdatasync(fd_) != 0) {
    failed_ = true;
    return Unexpected(io_error("syncing blob", errno));
  }
  ::close(std::exchange(fd_, -1));
  auto target = store_->blob_path(id_);
  if (::rename(store_->temp_path(id_).c_str(), target.c_str()) != 0) {
    failed_ = true;
    return Unexpected(io_error("publishing blob", errno));
  }
  BlobStore* store = std::exchange(store_, nullptr);  // the handle owns the blob from here
  CommittedBlob blob(store, id_, size_, std::move(*digests_));
  if (::fsync(store->shard_dir_fd(id_)) != 0) {
    return Unexpected(io_error("syncing blob directory", errno));  // `blob` removes the file
  }
  return blob;
}

// ---- BlobReader -------------------------------------------------------------

BlobReader::~BlobReader() {
  if (fd_ >= 0) ::close(fd_);
}

BlobReader::BlobReader(BlobReader&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

BlobReader& BlobReader::operator=(BlobReader&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

Expected<std::size_t, StoreError> BlobReader::read_at(std::uint64_t offset,
                                                      std::span<std::byte> out) const {
  if (offset >= size_) return std::size_t{0};
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
  std::size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd_, out.data() + got, want - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unexpected(io_error("reading blob", errno));
    }
    if (n == 0) {
      return Unexpected(StoreError{StoreErrc::kInternalError, "blob is shorter than recorded"});
    }
    got += static_cast<std::size_t>(n);
  }
  return got;
}

// ---- BlobStore --------------------------------------------------------------

BlobStore::BlobStore(fs::path root) : root_(std::move(root)) {
  shard_dir_fds_.fill(-1);
}

BlobStore::~BlobStore() {
  for (int fd : shard_dir_fds_) {
    if (fd >= 0) ::close(fd);
  }
}

Expected<std::unique_ptr<BlobStore>, StoreError> BlobStore::open(const fs::path& root) {
  std::unique_ptr<BlobStore> store(new BlobStore(root));
  for (const auto& dir : {root / "tmp", root / "blobs"}) {
    if (auto made = make_dir(dir); !made) return Unexpected(made.error());
  }
  for (int i = 0; i < 256; ++i) {
    auto shard = root / "blobs" / text::hex_lower(std::array{static_cast<std::uint8_t>(i)});
    if (auto made = make_dir(shard); !made) return Unexpected(made.error());
    int fd = ::open(shard.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Unexpected(io_error("opening blob directory", errno));
    store->shard_dir_fds_[i] = fd;
  }
  // The directories themselves must survive a crash before any blob relies on them.
  for (const auto& dir : {root, root / "blobs"}) {
    if (auto synced = fsync_path(dir); !synced) return Unexpected(synced.error());
  }
  return store;
}

fs::path BlobStore::blob_path(const BlobId& id) const {
  return root_ / "blobs" / id.hex().substr(0, 2) / id.hex();
}

fs::path BlobStore::temp_path(const BlobId& id) const {
  return root_ / "tmp" / id.hex();
}

int BlobStore::shard_dir_fd(const BlobId& id) const {
  return shard_dir_fds_[text::hex_value(id.hex()[0]) * 16 + text::hex_value(id.hex()[1])];
}

Expected<BlobWriter, StoreError> BlobStore::create(ChecksumSet checksums, std::uint64_t max_size) {
  BlobId id = BlobId::random();
  mark_live(id);  // before the file exists: a sweep must never see it unprotected
  int fd = ::open(temp_path(id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    int err = errno;
    unmark_live(id);
    return Unexpected(io_error("creating blob", err));
  }
  return BlobWriter(this, std::move(id), fd, checksums, max_size);
}

Expected<BlobReader, StoreError> BlobStore::open_blob(const BlobId& id) const {
  int fd = ::open(blob_path(id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Unexpected(StoreError{StoreErrc::kNoSuchKey, "blob not found"});
    return Unexpected(io_error("opening blob", errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Unexpected(io_error("inspecting blob", err));
  }
  return BlobReader(fd, static_cast<std::uint64_t>(st.st_size));
}

void BlobStore::remove(const BlobId& id) {
  {
    std::lock_guard lock(live_mutex_);
    if (live_.contains(id.hex())) {
      doomed_.insert(id.hex());  // the last unpin removes it
      return;
    }
  }
  ::unlink(blob_path(id).c_str());
}

void BlobStore::pin(const BlobId& id) {
  mark_live(id);
}
void BlobStore::unpin(const BlobId& id) {
  unmark_live(id);
}

void BlobStore::mark_live(const BlobId& id) {
  std::lock_guard lock(live_mutex_);
  ++live_[id.hex()];
}

void BlobStore::unmark_live(const BlobId& id) {
  {
    std::lock_guard lock(live_mutex_);
    auto it = live_.find(id.hex());
    if (it == live_.end() || --it->second > 0) return;
    live_.erase(it);
    if (doomed_.erase(id.hex()) == 0) return;
  }
  ::unlink(blob_path(id).c_str());
}

bool BlobStore::is_live(const std::string& hex) const {
  std::lock_guard lock(live_mutex_);
  return live_.contains(hex);
}

Expected<bool, StoreError> BlobStore::has_blobs() const {
  std::error_code ec;
  for (int shard = 0; shard < 256; ++shard) {
    auto dir = root_ / "blobs" / text::hex_lower(std::array{static_cast<std::uint8_t>(shard)});
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (BlobId::parse(it->path().filename().string())) return true;
    }
    if (ec) return Unexpected(io_error("listing blob directory", ec.value()));
  }
  return false;
}

Expected<BlobSweepReport, StoreError> BlobStore::remove_unreferenced(
    const std::function<Expected<bool, StoreError>(const BlobId&)>& referenced) {
  BlobSweepReport report;
  std::error_code ec;
  for (fs::directory_iterator it(root_ / "tmp", ec), end; !ec && it != end; it.increment(ec)) {
    auto id = BlobId::parse(it->path().filename().string());
    if (!id || is_live(id->hex())) continue;
    if (::unlink(it->path().c_str()) == 0) ++report.temp_files_removed;
  }
  if (ec) return Unexpected(io_error("listing temp directory", ec.value()));
  for (int shard = 0; shard < 256; ++shard) {
    auto dir = root_ / "blobs" / text::hex_lower(std::array{static_cast<std::uint8_t>(shard)});
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      auto id = BlobId::parse(it->path().filename().string());
      if (!id || id->hex().substr(0, 2) != dir.filename().string()) continue;
      // Live first, then referenced: see the header for why the order matters.
      if (is_live(id->hex())) continue;
      auto is_referenced = referenced(*id);
      if (!is_referenced) return Unexpected(is_referenced.error());
      if (*is_referenced) continue;
      struct stat st;
      std::uint64_t size = ::stat(it->path().c_str(), &st) == 0 ? st.st_size : 0;
      if (::unlink(it->path().c_str()) == 0) {
        ++report.blobs_removed;
        report.bytes_removed += size;
      }
    }
    if (ec) return Unexpected(io_error("listing blob directory", ec.value()));
  }
  return report;
}

}  // namespace upgate::store
