#include "checksum.hpp"

#include "upgate/text.hpp"

namespace upgate::store {

std::string_view checksum_algorithm_name(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
  }
  return "";
}

std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name) {
  for (auto a : kAllChecksumAlgorithms) {
    if (text::iequals(name, checksum_algorithm_name(a))) return a;
  }
  return std::nullopt;
}

std::size_t checksum_digest_size(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      return 4;
    case ChecksumAlgorithm::kSha1:
      return 20;
    case ChecksumAlgorithm::kSha256:
      return 32;
  }
  return 0;
}

}  // namespace upgate::store
