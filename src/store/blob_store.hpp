// Object bytes as immutable files: <root>/blobs/<2 hex>/<32 hex id>.
//
// Promises:
//  - Names are 128 random bits, never derived from keys, so no key can reach a
//    path outside the data directory and every key can coexist with every other.
//  - A blob is written to <root>/tmp/<id> by a BlobWriter and becomes a blob only
//    by commit(): fdatasync the file, rename it into blobs/, fsync the directory.
//    After commit() returns, the bytes survive a crash or power loss. A writer
//    destroyed without commit() removes its temp file.
//  - A committed blob is held by a CommittedBlob until a metadata row adopts it
//    (release()); dropping the handle first removes the file, so an upload that
//    fails its checks after commit leaves nothing behind.
//  - A BlobReader keeps its file descriptor: unlinking the blob afterwards (an
//    overwrite or delete) does not disturb a read in progress. A pinned blob
//    is not unlinked until it is unpinned, so a reader may open it later.
//  - Every writer and unadopted handle is registered as "live";
//    remove_unreferenced() never touches a live blob, so garbage collection is
//    safe even while uploads run.
// Thread-safe. The BlobStore must outlive its writers, handles and readers.
#pragma once

#include <array>
#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "checksum.hpp"
#include "limits.hpp"
#include "store_error.hpp"
#include "streaming_digester.hpp"
#include "upgate/expected.hpp"

namespace upgate::store {

class BlobStore;

// 128 random bits, written as 32 lowercase hex digits.
class BlobId {
 public:
  BlobId() = default;  // empty: a placeholder, never the name of a blob
  static BlobId random();
  static std::optional<BlobId> parse(std::string_view hex);
  const std::string& hex() const { return hex_; }
  bool empty() const { return hex_.empty(); }
  friend auto operator<=>(const BlobId&, const BlobId&) = default;

 private:
  explicit BlobId(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// A durable blob not yet referenced by a metadata row. See the file comment.
class CommittedBlob {
 public:
  CommittedBlob() = default;
  ~CommittedBlob();
  CommittedBlob(CommittedBlob&& other) noexcept;
  CommittedBlob& operator=(CommittedBlob&& other) noexcept;

  bool valid() const { return store_ != nullptr; }
  const BlobId& id() const { return *id_; }
  std::uint64_t size() const { return size_; }
  const Digests& digests() const { return digests_; }

  // The blob now belongs to a committed metadata row: keep the file.
  void release();

 private:
  friend class BlobWriter;
  CommittedBlob(BlobStore* store, BlobId id, std::uint64_t size, Digests digests)
      : store_(store), id_(std::move(id)), size_(size), digests_(std::move(digests)) {}
  void reset();

  BlobStore* store_ = nullptr;
  std::optional<BlobId> id_;
  std::uint64_t size_ = 0;
  Digests digests_;
};

// Streams bytes into a temp file through a bounded buffer, digesting as it goes.
//
// Write-behind: each finished kWritebackWindow of the file is sent to the disk at
// once, and the window before the previous one is waited for and dropped from the
// page cache. A large upload therefore holds about three windows of page cache,
// reuses the same pages as it goes, and is slowed to the disk's pace instead of
// piling up dirty memory; commit()'s fdatasync has only the last windows left to
// wait for. (Durability still comes from commit() alone.)
class BlobWriter {
 public:
  static constexpr std::size_t kBufferSize = 256 * 1024;
  static constexpr std::uint64_t kWritebackWindow = 8 << 20;

  ~BlobWriter();
  BlobWriter(BlobWriter&& other) noexcept;
  BlobWriter& operator=(BlobWriter&& other) = delete;

  // Fails with EntityTooLarge past the writer's size limit, InternalError on I/O.
  Expected<void, StoreError> append(std::span<const std::byte> data);
  std::uint64_t size() const { return size_; }

  // append() in two halves, for a caller that overlaps hashing with file writes:
  // digest() checks the size limit and hashes; write() hands bytes that digest()
  // has seen to the file straight from the caller's memory, several pieces per
  // system call. Each half takes the stream in order. The two may run at the same
  // time on two threads (digest() of later bytes while write() stores earlier
  // ones), but neither concurrently with itself, append(), finish() or commit().
  Expected<void, StoreError> digest(std::span<const std::byte> data);
  Expected<void, StoreError> write(std::span<const std::span<const std::byte>> pieces);

  // Ends the stream and returns its digests (to compare with Content-MD5 or
  // x-amz-checksum-* before paying for commit()). append() is refused afterwards.
  const Digests& finish();

  // Makes the blob durable (see the file comment). The writer is spent afterwards.
  Expected<CommittedBlob, StoreError> commit();

 private:
  friend class BlobStore;
  BlobWriter(BlobStore* store, BlobId id, int fd, ChecksumSet checksums, std::uint64_t max_size);
  Expected<void, StoreError> flush();
  Expected<void, StoreError> write_through(const std::byte* data, std::size_t size);
  void wrote(std::size_t size);  // accounts for bytes the kernel took; write-behind
  void discard();

  BlobStore* store_;
  BlobId id_;
  int fd_;
  std::uint64_t max_size_;
  std::uint64_t size_ = 0;              // appended
  std::uint64_t written_ = 0;           // handed to the kernel
  std::uint64_t writeback_queued_ = 0;  // asked to start reaching the disk
  std::uint64_t dropped_ = 0;           // on the disk and out of the page cache
  StreamingDigester digester_;
  std::optional<Digests> digests_;
  std::unique_ptr<std::byte[]> buffer_;
  std::size_t buffered_ = 0;
  std::atomic<bool> failed_ = false;  // set by either half of a pipelined append
};

// A committed blob opened for reading; positional reads, no shared cursor.
class BlobReader {
 public:
  ~BlobReader();
  BlobReader(BlobReader&& other) noexcept;
  BlobReader& operator=(BlobReader&& other) noexcept;

  std::uint64_t size() const { return size_; }
  int fd() const { return fd_; }  // for sendfile(2); the reader keeps ownership
  // Reads up to out.size() bytes at offset; fewer only at the end of the blob.
  Expected<std::size_t, StoreError> read_at(std::uint64_t offset, std::span<std::byte> out) const;

 private:
  friend class BlobStore;
  BlobReader(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

struct BlobSweepReport {
  std::size_t temp_files_removed = 0;
  std::size_t blobs_removed = 0;
  std::uint64_t bytes_removed = 0;
};

class BlobStore {
 public:
  // Creates <root>/blobs/00..ff and <root>/tmp when missing.
  static Expected<std::unique_ptr<BlobStore>, StoreError> open(const std::filesystem::path& root);
  ~BlobStore();
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;

  // max_size bounds the blob (EntityTooLarge from append beyond it).
  Expected<BlobWriter, StoreError> create(ChecksumSet checksums = {},
                                          std::uint64_t max_size = kMaxSinglePutSize);
  // NoSuchKey when the blob does not exist (e.g. unlinked by an overwrite).
  Expected<BlobReader, StoreError> open_blob(const BlobId& id) const;
  // Unlinks a committed blob; a missing one is not an error. A pinned (or
  // otherwise live) blob is unlinked when its last pin is released instead.
  void remove(const BlobId& id);

  // Pins keep a committed blob from remove() and from sweeps. Counted: every
  // pin() needs one unpin(). Readers pin what they will open later.
  void pin(const BlobId& id);
  void unpin(const BlobId& id);

  // Removes temp files and blobs that are neither live nor `referenced`.
  // Safe while writers run: a blob is live from create() until its
  // CommittedBlob is released or dropped, and `referenced` is consulted only
  // after the live set, so a blob adopted in between is seen as referenced.
  Expected<BlobSweepReport, StoreError> remove_unreferenced(
      const std::function<Expected<bool, StoreError>(const BlobId&)>& referenced);

  // Whether any committed blob exists (a cheap scan that stops at the first).
  Expected<bool, StoreError> has_blobs() const;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path blob_path(const BlobId& id) const;
  std::filesystem::path temp_path(const BlobId& id) const;

 private:
  friend class BlobWriter;
  friend class CommittedBlob;
  explicit BlobStore(std::filesystem::path root);
  void mark_live(const BlobId& id);
  void unmark_live(const BlobId& id);
  bool is_live(const std::string& hex) const;
  int shard_dir_fd(const BlobId& id) const;

  std::filesystem::path root_;
  std::array<int, 256> shard_dir_fds_{};  // blobs/00..ff, kept open for fsync after rename
  mutable std::mutex live_mutex_;
  std::unordered_map<std::string, int> live_;  // writers, unadopted handles and pins, counted
  std::unordered_set<std::string> doomed_;     // removed while live: unlink at the last release
};

}  // namespace upgate::store
