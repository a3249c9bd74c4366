// Object changes as the embedded store reports them, for the suites that turn them into
// events and S3 records (tests/unit/events, tests/integration/events).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "upgate/store/object_change.hpp"

namespace upgate::testing {

// A DeleteObject of `key` in the bucket "uploads", the store's `generation`-th change.
inline store::ObjectChange removed_change(std::string key, std::int64_t generation) {
  store::ObjectChange change;
  change.kind = store::ObjectChange::Kind::kRemoved;
  change.event_name = "ObjectRemoved:Delete";
  change.bucket = "uploads";
  change.key = std::move(key);
  change.sequencer = store::change_sequencer(generation);
  return change;
}

}  // namespace upgate::testing
