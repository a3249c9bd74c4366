#include "store/streaming_digester.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace upgate::store {
namespace {
using namespace testing;  // test_support.hpp

TEST(StreamingDigester, ComputesMd5AndOnlyTheRequestedChecksums) {
  StreamingDigester digester(ChecksumSet().with(ChecksumAlgorithm::kSha256));
  digester.update(bytes_of("abc"));
  Digests d = digester.finish();
  EXPECT_EQ(d.md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(d.md5_base64(), "kAFQmDzST7DWlj99KOF/cg==");
  EXPECT_EQ(d.checksums.get(ChecksumAlgorithm::kSha256),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  EXPECT_FALSE(d.checksums.get(ChecksumAlgorithm::kSha1));
  EXPECT_FALSE(d.checksums.get(ChecksumAlgorithm::kCrc32));
  EXPECT_FALSE(d.checksums.get(ChecksumAlgorithm::kCrc32c));
}

// Values as S3 shows them in x-amz-checksum-*: base64 of the big-endian digest.
TEST(StreamingDigester, AllAlgorithmsMatchKnownValuesWhateverTheChunking) {
  for (std::size_t chunk : {1u, 2u, 4u, 9u}) {
    StreamingDigester digester(ChecksumSet::all());
    std::string_view text = "123456789";
    for (std::size_t i = 0; i < text.size(); i += chunk)
      digester.update(bytes_of(text.substr(i, chunk)));
    Digests d = digester.finish();
    EXPECT_EQ(d.checksums.get(ChecksumAlgorithm::kCrc32), "y/Q5Jg==") << chunk;
    EXPECT_EQ(d.checksums.get(ChecksumAlgorithm::kCrc32c), "4waSgw==") << chunk;
  }
  StreamingDigester digester(ChecksumSet::all());
  digester.update(bytes_of("abc"));
  EXPECT_EQ(digester.finish().checksums.get(ChecksumAlgorithm::kSha1),
            "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

TEST(StreamingDigester, EmptyStreamHasTheEmptyMd5) {
  StreamingDigester digester;
  EXPECT_EQ(digester.finish().md5_hex(), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(StreamingDigester, RefusesUseAfterFinish) {
  StreamingDigester digester;
  (void)digester.finish();
  EXPECT_THROW(digester.update(bytes_of("x")), std::logic_error);
  EXPECT_THROW((void)digester.finish(), std::logic_error);
}

}  // namespace
}  // namespace upgate::store
