#include "store/crc32c.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace upgate::store {
namespace {

std::span<const std::byte> as_bytes(const std::vector<unsigned char>& v) {
  return std::as_bytes(std::span(v));
}

using Impl = std::uint32_t (*)(std::uint32_t, std::span<const std::byte>);

class Crc32cVectors : public ::testing::TestWithParam<Impl> {};

// RFC 3720 (iSCSI) appendix B.4 and the customary "123456789" check value.
TEST_P(Crc32cVectors, MatchesPublishedValues) {
  Impl crc = GetParam();
  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) up[i] = static_cast<unsigned char>(i);
  for (int i = 0; i < 32; ++i) down[i] = static_cast<unsigned char>(31 - i);
  std::vector<unsigned char> iscsi_read = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  std::string check = "123456789";
  EXPECT_EQ(crc(0, as_bytes(zeros)), 0x8A9136AAu);
  EXPECT_EQ(crc(0, as_bytes(ones)), 0x62A8AB43u);
  EXPECT_EQ(crc(0, as_bytes(up)), 0x46DD794Eu);
  EXPECT_EQ(crc(0, as_bytes(down)), 0x113FDB5Cu);
  EXPECT_EQ(crc(0, as_bytes(iscsi_read)), 0xD9963A56u);
  EXPECT_EQ(crc(0, std::as_bytes(std::span(check.data(), check.size()))), 0xE3069283u);
  EXPECT_EQ(crc(0, {}), 0u);
}

TEST_P(Crc32cVectors, ExtendingPieceByPieceEqualsOneShot) {
  Impl crc = GetParam();
  std::mt19937 rng(7);
  std::vector<unsigned char> data(4099);
  for (auto& b : data) b = static_cast<unsigned char>(rng());
  auto whole = crc(0, as_bytes(data));
  for (std::size_t cut : {0u, 1u, 7u, 8u, 9u, 1000u, 4098u, 4099u}) {
    auto all = as_bytes(data);
    EXPECT_EQ(crc(crc(0, all.first(cut)), all.subspan(cut)), whole) << "cut at " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(Implementations, Crc32cVectors,
                         ::testing::Values(&crc32c_extend_portable, &crc32c_extend, [] {
                           // Without SSE4.2 this repeats the portable run rather than crash.
                           return crc32c_sse42_available() ? &crc32c_extend_sse42
                                                           : &crc32c_extend_portable;
                         }()));

TEST(Crc32c, HardwareAndPortableAgreeOnEveryLengthAndAlignment) {
  if (!crc32c_sse42_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(42);
  std::vector<unsigned char> data(300);
  for (auto& b : data) b = static_cast<unsigned char>(rng());
  auto all = as_bytes(data);
  for (std::size_t start = 0; start < 16; ++start) {
    for (std::size_t len = 0; start + len <= data.size(); len += 1 + len / 8) {
      auto piece = all.subspan(start, len);
      std::uint32_t seed = static_cast<std::uint32_t>(rng());
      ASSERT_EQ(crc32c_extend_sse42(seed, piece), crc32c_extend_portable(seed, piece))
          << "start " << start << " length " << len;
    }
  }
}

}  // namespace
}  // namespace upgate::store
