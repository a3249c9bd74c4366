// CRC-32C (Castagnoli), as S3's x-amz-checksum-crc32c uses it.
//
// crc32c_extend(crc, data) continues a checksum over more bytes, so a stream can
// be checksummed piece by piece: crc32c_extend(crc32c_extend(0, a), b) ==
// crc32c(a + b). The SSE4.2 instruction is used when the CPU has it (checked
// once at run time); the table version gives identical results everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace upgate::store {

std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::byte> data);
inline std::uint32_t crc32c(std::span<const std::byte> data) {
  return crc32c_extend(0, data);
}

// The two implementations, exposed so tests can hold them against each other.
std::uint32_t crc32c_extend_portable(std::uint32_t crc, std::span<const std::byte> data);
std::uint32_t crc32c_extend_sse42(std::uint32_t crc, std::span<const std::byte> data);
bool crc32c_sse42_available();

}  // namespace upgate::store
