#include "store/object_reader.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"

namespace upgate::store {
namespace {
namespace fs = std::filesystem;
using namespace testing;  // test_support.hpp

class ObjectReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { store = BlobStore::open(dir.path()).value(); }
  Segment blob(std::string_view data) {
    auto writer = store->create();
    EXPECT_TRUE(writer->append(bytes_of(data)));
    auto committed = writer->commit();
    committed->release();
    return {committed->id(), data.size()};
  }
  ObjectReader reader_over(const std::vector<Segment>& segments) {
    for (const auto& s : segments) store->pin(s.blob);
    return ObjectReader(*store, segments);
  }
  TempDir dir;
  std::unique_ptr<BlobStore> store;
};

TEST_F(ObjectReaderTest, ReadsAcrossSegmentsIncludingEmptyOnes) {
  std::vector<std::string> pieces = {pseudo_random_bytes(1, 10), "", pseudo_random_bytes(2, 1),
                                     pseudo_random_bytes(3, 33), "", pseudo_random_bytes(4, 5)};
  std::string whole;
  std::vector<Segment> segments;
  for (const auto& p : pieces) {
    whole += p;
    segments.push_back(blob(p));
  }
  ObjectReader reader = reader_over(segments);
  EXPECT_EQ(reader.size(), whole.size());
  for (std::size_t chunk : {1u, 3u, 10u, 11u, 64u}) EXPECT_EQ(read_all(reader, chunk), whole);
  // Every (offset, length) range reads exactly those bytes.
  for (std::size_t offset = 0; offset <= whole.size(); ++offset) {
    for (std::size_t length = 0; offset + length <= whole.size() + 2; ++length) {
      std::string buffer(length, '\0');
      auto got = reader.read_at(offset, std::as_writable_bytes(std::span(buffer.data(), length)));
      ASSERT_TRUE(got);
      std::size_t expected = std::min(length, whole.size() - offset);
      ASSERT_EQ(*got, expected) << offset << "+" << length;
      ASSERT_EQ(buffer.substr(0, expected), whole.substr(offset, expected));
    }
  }
  EXPECT_EQ(reader.segment_count(), 6u);
  EXPECT_EQ(reader.segment_offset(3), 11u);
  EXPECT_EQ(reader.segment_size(3), 33u);
  auto fourth = reader.open_segment(3);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->size(), 33u);
}

TEST_F(ObjectReaderTest, EmptyObjectReadsNothing) {
  EXPECT_EQ(read_all(reader_over({blob("")})), "");
  EXPECT_EQ(read_all(ObjectReader()), "");
  EXPECT_EQ(ObjectReader().size(), 0u);
}

TEST_F(ObjectReaderTest, PinnedBlobsOutliveRemovalUntilTheReaderIsGone) {
  auto a = blob("first "), b = blob("second");
  {
    ObjectReader reader = reader_over({a, b});
    store->remove(a.blob);
    store->remove(b.blob);
    EXPECT_TRUE(fs::exists(store->blob_path(a.blob)));
    EXPECT_EQ(read_all(reader), "first second");
    ObjectReader moved = std::move(reader);  // pins travel with the reader
    EXPECT_TRUE(fs::exists(store->blob_path(b.blob)));
    EXPECT_EQ(read_all(moved), "first second");
  }
  EXPECT_FALSE(fs::exists(store->blob_path(a.blob)));
  EXPECT_FALSE(fs::exists(store->blob_path(b.blob)));
}

TEST_F(ObjectReaderTest, HoldsOneDescriptorAtATimeHoweverManySegments) {
  std::vector<Segment> segments;
  std::string whole;
  for (int i = 0; i < 300; ++i) {
    std::string piece = pseudo_random_bytes(i, 3);
    whole += piece;
    segments.push_back(blob(piece));
  }
  auto open_fds = [] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
    return n;
  };
  std::size_t before = open_fds();
  ObjectReader reader = reader_over(segments);
  EXPECT_EQ(read_all(reader, 5), whole);
  EXPECT_LE(open_fds(), before + 1);
}

TEST_F(ObjectReaderTest, MissingOrTruncatedDataIsAnInternalError) {
  auto gone = blob("vanishes");
  ::unlink(store->blob_path(gone.blob).c_str());  // damage done behind the store's back
  ObjectReader reader = reader_over({gone});
  std::string buffer(4, '\0');
  auto got = reader.read_at(0, std::as_writable_bytes(std::span(buffer.data(), 4)));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, StoreErrc::kInternalError);

  auto shrunk = blob("0123456789");
  fs::resize_file(store->blob_path(shrunk.blob), 4);
  ObjectReader short_reader = reader_over({shrunk});
  got = short_reader.read_at(0, std::as_writable_bytes(std::span(buffer.data(), 4)));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, StoreErrc::kInternalError);
}

TEST_F(ObjectReaderTest, ConcurrentReadersOfOneReaderSeeTheRightBytes) {
  std::vector<Segment> segments;
  std::string whole;
  for (int i = 0; i < 8; ++i) {
    std::string piece = pseudo_random_bytes(100 + i, 4096);
    whole += piece;
    segments.push_back(blob(piece));
  }
  ObjectReader reader = reader_over(segments);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        std::size_t offset = static_cast<std::size_t>((t * 7919 + round * 104729) % whole.size());
        std::string buffer(1000, '\0');
        auto got = reader.read_at(offset, std::as_writable_bytes(std::span(buffer.data(), 1000)));
        ASSERT_TRUE(got);
        ASSERT_EQ(buffer.substr(0, *got), whole.substr(offset, *got));
      }
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace upgate::store
