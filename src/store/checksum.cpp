#include "checksum.hpp"

#include <iterator>

#include "upgate/enum_names.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace {

// Each algorithm's header spelling and digest size, one row each.
struct AlgorithmRow {
  ChecksumAlgorithm value;
  std::string_view name;
  std::size_t digest_size;
};

constexpr AlgorithmRow kAlgorithms[] = {
    {ChecksumAlgorithm::kCrc32, "CRC32", 4},
    {ChecksumAlgorithm::kCrc32c, "CRC32C", 4},
    {ChecksumAlgorithm::kSha1, "SHA1", 20},
    {ChecksumAlgorithm::kSha256, "SHA256", 32},
};
static_assert(each_value_once(kAlgorithms));
static_assert(std::size(kAlgorithms) == kAllChecksumAlgorithms.size());

}  // namespace

std::string_view checksum_algorithm_name(ChecksumAlgorithm algorithm) {
  const AlgorithmRow* row = row_of(kAlgorithms, algorithm);
  return row ? row->name : "";
}

std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name) {
  for (const AlgorithmRow& row : kAlgorithms) {
    if (text::iequals(name, row.name)) return row.value;
  }
  return std::nullopt;
}

std::size_t checksum_digest_size(ChecksumAlgorithm algorithm) {
  const AlgorithmRow* row = row_of(kAlgorithms, algorithm);
  return row ? row->digest_size : 0;
}

}  // namespace upgate::store
