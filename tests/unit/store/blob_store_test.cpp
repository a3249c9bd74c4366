#include "store/blob_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace upgate::store {
namespace {
namespace fs = std::filesystem;
using namespace testing;  // test_support.hpp

std::size_t count_files(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) n += entry.is_regular_file();
  return n;
}

std::string read_blob(const BlobReader& reader) {
  std::string out(reader.size(), '\0');
  auto got = reader.read_at(0, std::as_writable_bytes(std::span(out.data(), out.size())));
  EXPECT_TRUE(got);
  EXPECT_EQ(*got, out.size());
  return out;
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = BlobStore::open(dir.path());
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
  }
  CommittedBlob put(std::string_view data, ChecksumSet checksums = {}) {
    auto writer = store->create(checksums);
    EXPECT_TRUE(writer);
    EXPECT_TRUE(writer->append(bytes_of(data)));
    auto blob = writer->commit();
    EXPECT_TRUE(blob) << blob.error().message;
    return std::move(*blob);
  }
  // The blob carries the digests of `data` (MD5 and `checksums`), and reads back as `data`.
  void expect_holds(const CommittedBlob& blob, std::string_view data, ChecksumSet checksums) {
    StreamingDigester reference(checksums);
    reference.update(bytes_of(data));
    const auto expected = reference.finish();
    EXPECT_EQ(blob.digests().md5, expected.md5);
    EXPECT_EQ(blob.digests().checksums, expected.checksums);
    auto reader = store->open_blob(blob.id());
    ASSERT_TRUE(reader);
    EXPECT_TRUE(read_blob(*reader) == data);
  }

  TempDir dir;
  std::unique_ptr<BlobStore> store;
};

TEST_F(BlobStoreTest, IdsAreRandom128BitHexAndParseStrictly) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(BlobId::random().hex());
  EXPECT_EQ(seen.size(), 1000u);
  auto id = BlobId::random();
  EXPECT_EQ(id.hex().size(), 32u);
  EXPECT_EQ(BlobId::parse(id.hex()), id);
  EXPECT_FALSE(BlobId::parse("../../../../etc/passwd"));
  EXPECT_FALSE(BlobId::parse(std::string(32, 'A')));  // lowercase only
  EXPECT_FALSE(BlobId::parse(std::string(31, 'a')));
}

TEST_F(BlobStoreTest, CommitPublishesDurableBytesUnderTheIdAndDigestsThem) {
  std::string data = pseudo_random_bytes(1, 3 * BlobWriter::kBufferSize + 123);
  auto writer = store->create(ChecksumSet::all());
  ASSERT_TRUE(writer);
  // Mixed piece sizes exercise both the buffered and the direct write paths.
  std::size_t sizes[] = {1, 1000, BlobWriter::kBufferSize, 2 * BlobWriter::kBufferSize, 7};
  std::size_t offset = 0;
  for (std::size_t i = 0; offset < data.size(); ++i) {
    std::size_t n = std::min(sizes[i % 5], data.size() - offset);
    ASSERT_TRUE(writer->append(bytes_of(std::string_view(data).substr(offset, n))));
    offset += n;
  }
  EXPECT_EQ(writer->size(), data.size());
  auto blob = writer->commit();
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->size(), data.size());

  StreamingDigester reference(ChecksumSet::all());
  reference.update(bytes_of(data));
  auto expected = reference.finish();
  EXPECT_EQ(blob->digests().md5, expected.md5);
  EXPECT_EQ(blob->digests().checksums, expected.checksums);

  auto path = store->blob_path(blob->id());
  EXPECT_EQ(path.parent_path().filename(), blob->id().hex().substr(0, 2));
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(count_files(dir.path() / "tmp"), 0u);
  auto reader = store->open_blob(blob->id());
  ASSERT_TRUE(reader);
  EXPECT_EQ(read_blob(*reader), data);
  blob->release();
}

TEST_F(BlobStoreTest, WriterDroppedWithoutCommitLeavesNothing) {
  {
    auto writer = store->create();
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->append(bytes_of(pseudo_random_bytes(2, 1 << 20))));
    EXPECT_EQ(count_files(dir.path() / "tmp"), 1u);
  }
  EXPECT_EQ(count_files(dir.path()), 0u);
}

TEST_F(BlobStoreTest, CommittedBlobDroppedBeforeAdoptionIsRemoved) {
  BlobId id;
  {
    auto blob = put("short-lived");
    id = blob.id();
    EXPECT_TRUE(fs::exists(store->blob_path(id)));
  }
  EXPECT_FALSE(fs::exists(store->blob_path(id)));
  auto reader = store->open_blob(id);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code, StoreErrc::kNoSuchKey);
}

TEST_F(BlobStoreTest, ReleasedBlobStays) {
  BlobId id;
  {
    auto blob = put("kept");
    id = blob.id();
    blob.release();
  }
  EXPECT_TRUE(fs::exists(store->blob_path(id)));
}

TEST_F(BlobStoreTest, SizeLimitIsEnforcedWhileStreaming) {
  auto writer = store->create({}, 10);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->append(bytes_of("0123456789")));
  auto over = writer->append(bytes_of("x"));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, StoreErrc::kEntityTooLarge);
  EXPECT_FALSE(writer->commit());  // a writer that failed cannot publish anything
}

TEST_F(BlobStoreTest, FinishGivesDigestsBeforeCommitAndStopsAppends) {
  auto writer = store->create();
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->append(bytes_of("abc")));
  EXPECT_EQ(writer->finish().md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_FALSE(writer->append(bytes_of("more")));
  auto blob = writer->commit();
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->digests().md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(blob->size(), 3u);
}

// The pipelined halves, as the upload pipeline calls them: several pieces per
// write(), adjacent in memory (a plain body) or not (aws-chunked data between its
// framing), over enough windows for write-behind to drop pages already on disk.
TEST_F(BlobStoreTest, DigestAndWriteHalvesStoreWhatAppendWould) {
  constexpr std::uint64_t kWindow = BlobWriter::kWritebackWindow;
  const std::string data = pseudo_random_bytes(4, 3 * kWindow + 123);
  const std::string elsewhere = data;  // the same bytes at another address
  const std::size_t piece = 200 * 1000 + 7;
  auto writer = store->create(ChecksumSet::all());
  ASSERT_TRUE(writer);
  std::size_t offset = 0;
  for (int call = 0; offset < data.size(); ++call) {
    std::vector<std::span<const std::byte>> pieces;
    for (int i = 0; i < 1 + call % 3 && offset < data.size(); ++i) {
      const std::size_t n = std::min(piece + i, data.size() - offset);
      const std::string& source = (call + i) % 2 == 0 ? data : elsewhere;
      pieces.push_back(bytes_of(std::string_view(source).substr(offset, n)));
      ASSERT_TRUE(writer->digest(pieces.back()));
      offset += n;
    }
    auto written = writer->write(pieces);
    ASSERT_TRUE(written) << written.error().message;
  }
  EXPECT_EQ(writer->size(), data.size());
  auto blob = writer->commit();
  ASSERT_TRUE(blob) << blob.error().message;
  expect_holds(*blob, data, ChecksumSet::all());
  EXPECT_EQ(count_files(dir.path() / "tmp"), 0u);
  blob->release();
}

// digest() of later bytes on one thread while write() stores earlier ones on another,
// as the upload pipeline runs them.
TEST_F(BlobStoreTest, DigestAndWriteRunOnTwoThreadsAtOnce) {
  constexpr std::size_t kPiece = 512 * 1024;
  const std::string data = pseudo_random_bytes(5, 3 * BlobWriter::kWritebackWindow + 4321);
  auto writer = store->create(ChecksumSet{}.with(ChecksumAlgorithm::kSha256));
  ASSERT_TRUE(writer);
  std::mutex mutex;
  std::condition_variable digested_more;
  std::deque<std::span<const std::byte>> queue;
  bool done = false;
  std::thread writing([&] {
    for (;;) {
      std::unique_lock lock(mutex);
      digested_more.wait(lock, [&] { return !queue.empty() || done; });
      if (queue.empty()) return;
      const auto piece = queue.front();
      queue.pop_front();
      lock.unlock();
      EXPECT_TRUE(writer->write(std::span(&piece, 1)));
    }
  });
  for (std::size_t offset = 0; offset < data.size(); offset += kPiece) {
    const auto piece =
        bytes_of(std::string_view(data).substr(offset, std::min(kPiece, data.size() - offset)));
    EXPECT_TRUE(writer->digest(piece));
    std::lock_guard lock(mutex);
    queue.push_back(piece);
    digested_more.notify_one();
  }
  {
    std::lock_guard lock(mutex);
    done = true;
    digested_more.notify_one();
  }
  writing.join();
  auto blob = writer->commit();
  ASSERT_TRUE(blob) << blob.error().message;
  expect_holds(*blob, data, ChecksumSet{}.with(ChecksumAlgorithm::kSha256));
  blob->release();
}

TEST_F(BlobStoreTest, DigestEnforcesTheSizeLimitAndAFailedWriterPublishesNothing) {
  {
    auto writer = store->create({}, 10);
    ASSERT_TRUE(writer);
    const std::string_view first = "0123456789";
    ASSERT_TRUE(writer->digest(bytes_of(first)));
    const std::span<const std::byte> pieces[] = {bytes_of(first)};
    ASSERT_TRUE(writer->write(pieces));
    auto over = writer->digest(bytes_of("x"));
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, StoreErrc::kEntityTooLarge);
    EXPECT_FALSE(writer->commit());
  }
  EXPECT_EQ(count_files(dir.path()), 0u);
}

TEST_F(BlobStoreTest, ReaderKeepsReadingAfterTheBlobIsUnlinked) {
  std::string data = pseudo_random_bytes(3, 100000);
  auto blob = put(data);
  blob.release();
  auto reader = store->open_blob(blob.id());
  ASSERT_TRUE(reader);
  store->remove(blob.id());
  EXPECT_FALSE(fs::exists(store->blob_path(blob.id())));
  EXPECT_EQ(read_blob(*reader), data);
}

TEST_F(BlobStoreTest, RangeReadsStopAtTheEnd) {
  auto blob = put("0123456789");
  blob.release();
  auto reader = store->open_blob(blob.id());
  ASSERT_TRUE(reader);
  std::string buffer(4, '\0');
  auto out = std::as_writable_bytes(std::span(buffer.data(), buffer.size()));
  EXPECT_EQ(*reader->read_at(3, out), 4u);
  EXPECT_EQ(buffer, "3456");
  EXPECT_EQ(*reader->read_at(8, out), 2u);
  EXPECT_EQ(buffer.substr(0, 2), "89");
  EXPECT_EQ(*reader->read_at(10, out), 0u);
  EXPECT_EQ(*reader->read_at(1u << 30, out), 0u);
}

TEST_F(BlobStoreTest, SweepRemovesOnlyUnreferencedNonLiveFiles) {
  auto referenced = put("referenced");
  referenced.release();
  auto orphan = put("orphan");
  orphan.release();  // as if the process died before its row committed
  auto held = put("committed, not yet adopted");
  auto in_progress = store->create();
  ASSERT_TRUE(in_progress);
  ASSERT_TRUE(in_progress->append(bytes_of("half")));
  // A temp file nobody owns, as a crash leaves it.
  auto stray = BlobId::random();
  { std::ofstream(store->temp_path(stray)) << "partial"; }
  // Files the store did not name are not its to delete.
  { std::ofstream(dir.path() / "blobs" / "ab" / "README") << "not a blob"; }

  auto report = store->remove_unreferenced(
      [&](const BlobId& id) -> Expected<bool, StoreError> { return id == referenced.id(); });
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->temp_files_removed, 1u);
  EXPECT_EQ(report->blobs_removed, 1u);
  EXPECT_EQ(report->bytes_removed, 6u);
  EXPECT_TRUE(fs::exists(store->blob_path(referenced.id())));
  EXPECT_FALSE(fs::exists(store->blob_path(orphan.id())));
  EXPECT_TRUE(fs::exists(store->blob_path(held.id())));
  EXPECT_FALSE(fs::exists(store->temp_path(stray)));
  EXPECT_TRUE(fs::exists(dir.path() / "blobs" / "ab" / "README"));
  // The writer that was running during the sweep still commits.
  auto committed = in_progress->commit();
  ASSERT_TRUE(committed) << committed.error().message;
  auto reader = store->open_blob(committed->id());
  ASSERT_TRUE(reader);
  EXPECT_EQ(read_blob(*reader), "half");
}

// The sweep may run while uploads commit and get adopted: no adopted blob may vanish.
TEST_F(BlobStoreTest, ConcurrentSweepNeverRemovesAnAdoptedBlob) {
  std::mutex adopted_mutex;
  std::set<BlobId> adopted;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        auto writer = store->create();
        ASSERT_TRUE(writer);
        ASSERT_TRUE(writer->append(bytes_of(pseudo_random_bytes(t * 1000 + i, 100))));
        auto blob = writer->commit();
        ASSERT_TRUE(blob);
        {
          std::lock_guard lock(adopted_mutex);  // "the row commits"
          adopted.insert(blob->id());
        }
        blob->release();
      }
    });
  }
  std::thread sweeper([&] {
    while (!stop) {
      auto report = store->remove_unreferenced([&](const BlobId& id) -> Expected<bool, StoreError> {
        std::lock_guard lock(adopted_mutex);
        return adopted.contains(id);
      });
      ASSERT_TRUE(report);
    }
  });
  for (auto& w : writers) w.join();
  stop = true;
  sweeper.join();
  ASSERT_EQ(adopted.size(), 450u);
  for (const auto& id : adopted) EXPECT_TRUE(fs::exists(store->blob_path(id))) << id.hex();
}

}  // namespace
}  // namespace upgate::store
