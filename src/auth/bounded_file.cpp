// Bounded whole-file reads for the auth part's configuration files.
#include "bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace upgate::auth {

Expected<std::optional<FileText>, std::string> read_bounded_file(const std::filesystem::path& path,
                                                                 std::size_t max_bytes) {
  const std::string where = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<FileText>();
    return Unexpected("cannot open " + where + ": " + std::strerror(errno));
  }
  FileText out;
  std::string error;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = where + " is not a regular file";
  }
  out.mode = st.st_mode;
  std::array<char, 8192> buffer{};
  while (error.empty()) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = "cannot read " + where + ": " + std::strerror(errno);
    if (n <= 0) break;
    out.text.append(buffer.data(), static_cast<std::size_t>(n));
    if (out.text.size() > max_bytes) {
      error = where + " is larger than " + std::to_string(max_bytes) + " bytes";
    }
  }
  ::close(fd);
  if (!error.empty()) return Unexpected(std::move(error));
  return std::optional<FileText>(std::move(out));
}

}  // namespace upgate::auth
