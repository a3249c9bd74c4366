// ContentTypeDetector: the media type of an object's first bytes, by libmagic (Debian's
// libmagic1 and its compiled database), as `file --mime-type` reports it.
//
// Promises:
// - The compiled database is read once per detector (load()); every thread that calls
//   detect() gets its own libmagic handle built from that one in-memory copy, because a
//   libmagic handle is not thread-safe. A thread's handle lives until the thread ends.
// - Only the first kMagicBytes bytes are examined, decompression and other indirect
//   checks are off, and libmagic's own search limits apply, so a hostile object costs
//   bounded CPU.
// - The result is lower-case "type/subtype" without parameters ("image/png",
//   "text/plain", "application/octet-stream" when nothing matched, "application/x-empty"
//   for no bytes). A libmagic failure is an error value, never an exception.
// - Pure: no file, network or clock is touched after load().
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"

namespace upgate::events {

inline constexpr std::size_t kMagicBytes = 64 * 1024;

class ContentTypeDetector {
 public:
  // `database`: a compiled magic file (.mgc); empty: libmagic's default path (on Debian
  // /usr/lib/file/magic.mgc, through /usr/share/misc/magic.mgc).
  static Expected<ContentTypeDetector, std::string> load(const std::string& database = {});

  Expected<std::string, std::string> detect(std::string_view first_bytes) const;

  struct Database;

 private:
  explicit ContentTypeDetector(std::shared_ptr<Database> database)
      : database_(std::move(database)) {}
  std::shared_ptr<Database> database_;
};

}  // namespace upgate::events
