// What `upgate --version` reports: the project's version (CMakeLists.txt) and the commit the
// program was built from, written at build time by cmake/build_info.cmake ("unknown" when
// neither git nor a `git archive` tarball could say; "-dirty" for uncommitted changes).
#pragma once

namespace upgate::cli {

extern const char* const kVersion;  // "0.1.0"
extern const char* const kCommit;   // "1a2b3c4d5e6f", "1a2b3c4d5e6f-dirty" or "unknown"

}  // namespace upgate::cli
