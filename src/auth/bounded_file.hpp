// Internal to upgate_auth: a small configuration file (jwks_file, keys_file) read whole,
// with a size bound, refusing anything but a regular file.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "upgate/expected.hpp"

namespace upgate::auth {

struct FileText {
  std::string text;
  mode_t mode = 0;  // st_mode, for permission checks
};

// The file's text and mode; nullopt when it does not exist. Errors name the file.
Expected<std::optional<FileText>, std::string> read_bounded_file(const std::filesystem::path& path,
                                                                 std::size_t max_bytes);

}  // namespace upgate::auth
