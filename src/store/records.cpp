#include "records.hpp"

namespace upgate::store {

Timestamp now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::size_t user_metadata_size(const UserMetadata& metadata) {
  std::size_t total = 0;
  for (const auto& [name, value] : metadata) total += name.size() + value.size();
  return total;
}

}  // namespace upgate::store
