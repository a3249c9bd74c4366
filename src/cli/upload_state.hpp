// `upgate upload --resume`: what a multipart upload leaves behind so that running the
// same command again continues it.
//
// One JSON file per upload in $XDG_STATE_HOME/upgate (else ~/.local/state/upgate), named
// by a SHA-256 of what identifies "the same upload": the file's absolute path, size and
// modification time, the API's URL and the folder (profile). It holds the upload token (a
// bearer credential for this one upload, so the file is 0600 in a 0700 directory and is
// never printed) and the parts known to be done. The store, through the API's list route,
// stays the source of truth for which parts it holds; the file only says which upload.
// Every write goes to a temporary file that is renamed over the old one, so a kill -9 at
// any moment leaves the old state or the new one, never half of either.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "upgate/expected.hpp"

namespace upgate::cli::upload {

// What makes two runs "the same upload".
struct UploadIdentity {
  std::filesystem::path file;  // absolute
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string api;
  std::string folder;
};

struct ResumeState {
  std::string upload_token;
  std::string key;
  std::uint64_t part_size = 0;
  std::uint32_t part_count = 0;
  std::vector<std::uint32_t> parts_done;  // ascending
};

class ResumeStateFile {
 public:
  // The file for this upload under the state directory; an error when there is no
  // state directory ($XDG_STATE_HOME and $HOME both unset) or it cannot be created.
  static Expected<ResumeStateFile, std::string> open(const UploadIdentity& identity);

  // Absent: nullopt and `problem` empty. Unreadable, not ours or for another file:
  // nullopt and `problem` says why.
  std::optional<ResumeState> load(std::string& problem) const;
  // Atomically replaces the file; an error says why it could not be written.
  Expected<void, std::string> save(const ResumeState& state) const;
  void remove() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  ResumeStateFile(UploadIdentity identity, std::filesystem::path path)
      : identity_(std::move(identity)), path_(std::move(path)) {}

  UploadIdentity identity_;
  std::filesystem::path path_;
};

}  // namespace upgate::cli::upload
