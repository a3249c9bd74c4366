// The additional checksums S3 keeps beside the MD5 ETag (x-amz-checksum-*).
//
// Values are kept exactly as S3 presents them on the wire: base64 of the
// big-endian digest, with a "-N" suffix for the checksum-of-checksums of an
// N-part multipart object. Names parse case-insensitively ("crc32c", "SHA256").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::store {

enum class ChecksumAlgorithm : std::uint8_t { kCrc32, kCrc32c, kSha1, kSha256 };
inline constexpr std::array<ChecksumAlgorithm, 4> kAllChecksumAlgorithms = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha1,
    ChecksumAlgorithm::kSha256};

// "CRC32", "CRC32C", "SHA1", "SHA256": the x-amz-checksum-algorithm spelling.
std::string_view checksum_algorithm_name(ChecksumAlgorithm algorithm);
std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name);
// Raw digest length in bytes (4, 4, 20, 32).
std::size_t checksum_digest_size(ChecksumAlgorithm algorithm);

// Which algorithms a stream should compute.
class ChecksumSet {
 public:
  constexpr ChecksumSet() = default;
  constexpr ChecksumSet with(ChecksumAlgorithm a) const {
    ChecksumSet s = *this;
    s.bits_ |= bit(a);
    return s;
  }
  constexpr bool contains(ChecksumAlgorithm a) const { return (bits_ & bit(a)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  static constexpr ChecksumSet all() {
    ChecksumSet s;
    for (auto a : kAllChecksumAlgorithms) s = s.with(a);
    return s;
  }
  friend constexpr bool operator==(ChecksumSet, ChecksumSet) = default;

 private:
  static constexpr std::uint8_t bit(ChecksumAlgorithm a) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(a));
  }
  std::uint8_t bits_ = 0;
};

// Checksum values by algorithm, in wire form (base64, optional "-N").
class Checksums {
 public:
  const std::optional<std::string>& get(ChecksumAlgorithm a) const {
    return values_[static_cast<std::size_t>(a)];
  }
  void set(ChecksumAlgorithm a, std::string value) {
    values_[static_cast<std::size_t>(a)] = std::move(value);
  }
  void clear(ChecksumAlgorithm a) { values_[static_cast<std::size_t>(a)].reset(); }
  bool empty() const {
    for (const auto& v : values_)
      if (v) return false;
    return true;
  }
  friend bool operator==(const Checksums&, const Checksums&) = default;

 private:
  std::array<std::optional<std::string>, kAllChecksumAlgorithms.size()> values_;
};

}  // namespace upgate::store
