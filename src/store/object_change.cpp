#include "upgate/store/object_change.hpp"

#include <cstdio>

namespace upgate::store {

std::string change_sequencer(std::int64_t generation) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(generation));
  return text;
}

}  // namespace upgate::store
