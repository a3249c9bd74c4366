// The sizes S3 promises its clients, in one place (the key length is S3's naming
// rule: s3::kMaxKeyBytes).
//
// The store's HTTP layer enforces the streaming ones (an upload larger than
// kMaxSinglePutSize is refused while it arrives); the engine enforces the rest
// and re-checks sizes it is handed, so no layer relies on another's checks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace upgate::store {

inline constexpr std::size_t kMaxUserMetadataBytes = 2 * 1024;  // sum of names + values
inline constexpr std::uint64_t kMaxSinglePutSize = 5ull << 30;  // 5 GiB, EntityTooLarge
inline constexpr std::uint64_t kMaxObjectSize = 5ull << 40;     // 5 TiB, multipart total
inline constexpr std::uint64_t kMinPartSize = 5ull << 20;       // 5 MiB, all parts but the last
inline constexpr std::uint64_t kMaxPartSize = 5ull << 30;       // 5 GiB per part
inline constexpr int kMinPartNumber = 1;
inline constexpr int kMaxPartNumber = 10000;
inline constexpr int kMaxListKeys = 1000;       // max-keys, max-uploads, max-parts above this clamp
inline constexpr int kMaxDeleteObjects = 1000;  // keys per DeleteObjects request

}  // namespace upgate::store
