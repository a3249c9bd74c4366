#include "upgate/store/object_reader.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace upgate::store {
namespace {
using testing::bytes_of;
using testing::pseudo_random_bytes;
using testing::read_all;
using testing::TempDir;

class ObjectReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { store = BlobStore::open(dir.path()).value(); }
  BlobReader blob(std::string_view data) {
    auto writer = store->create();
    EXPECT_TRUE(writer->append(bytes_of(data)));
    auto committed = writer->commit();
    committed->release();
    return store->open_blob(committed->id()).value();
  }
  TempDir dir;
  std::unique_ptr<BlobStore> store;
};

TEST_F(ObjectReaderTest, ReadsAcrossSegmentsIncludingEmptyOnes) {
  std::vector<std::string> pieces = {pseudo_random_bytes(1, 10), "", pseudo_random_bytes(2, 1),
                                     pseudo_random_bytes(3, 33), "", pseudo_random_bytes(4, 5)};
  std::string whole;
  std::vector<BlobReader> readers;
  for (const auto& p : pieces) {
    whole += p;
    readers.push_back(blob(p));
  }
  ObjectReader reader(std::move(readers));
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
  EXPECT_EQ(reader.segment_offset(3), 11u);
}

TEST_F(ObjectReaderTest, EmptyObjectReadsNothing) {
  std::vector<BlobReader> readers;
  readers.push_back(blob(""));
  ObjectReader reader(std::move(readers));
  EXPECT_EQ(reader.size(), 0u);
  EXPECT_EQ(read_all(reader), "");
  EXPECT_EQ(read_all(ObjectReader()), "");
}

}  // namespace
}  // namespace upgate::store
