#include "store/checksum.hpp"

#include <gtest/gtest.h>

namespace upgate::store {
namespace {

TEST(Checksum, NamesRoundTripAndParseCaseInsensitively) {
  for (auto a : kAllChecksumAlgorithms) {
    EXPECT_EQ(parse_checksum_algorithm(checksum_algorithm_name(a)), a);
  }
  EXPECT_EQ(parse_checksum_algorithm("crc32c"), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(parse_checksum_algorithm("Sha256"), ChecksumAlgorithm::kSha256);
  EXPECT_FALSE(parse_checksum_algorithm("CRC64NVME"));
  EXPECT_FALSE(parse_checksum_algorithm("CRC3"));
  EXPECT_FALSE(parse_checksum_algorithm(""));
}

TEST(Checksum, SetsAndValuesHoldWhatWasPutIn) {
  auto set = ChecksumSet().with(ChecksumAlgorithm::kCrc32).with(ChecksumAlgorithm::kSha1);
  EXPECT_TRUE(set.contains(ChecksumAlgorithm::kCrc32));
  EXPECT_TRUE(set.contains(ChecksumAlgorithm::kSha1));
  EXPECT_FALSE(set.contains(ChecksumAlgorithm::kCrc32c));
  EXPECT_TRUE(ChecksumSet().empty());
  for (auto a : kAllChecksumAlgorithms) EXPECT_TRUE(ChecksumSet::all().contains(a));

  Checksums values;
  EXPECT_TRUE(values.empty());
  values.set(ChecksumAlgorithm::kCrc32c, "4waSgw==");
  EXPECT_FALSE(values.empty());
  EXPECT_EQ(values.get(ChecksumAlgorithm::kCrc32c), "4waSgw==");
  EXPECT_FALSE(values.get(ChecksumAlgorithm::kCrc32));
  values.clear(ChecksumAlgorithm::kCrc32c);
  EXPECT_TRUE(values.empty());
  EXPECT_EQ(checksum_digest_size(ChecksumAlgorithm::kSha256), 32u);
}

}  // namespace
}  // namespace upgate::store
