// Folder-name rules: safe segments only, nothing a browser or S3 tool would rewrite.
#include "upgate/api/folder_name.hpp"

#include <string>

#include "upgate/text.hpp"

namespace upgate::api {
namespace {

constexpr std::size_t kMaxSegments = 8;
constexpr std::size_t kMaxSegmentBytes = 64;

Unexpected<ApiError> invalid(std::string message, std::string_view field) {
  return Unexpected(make_error(ErrorCode::invalid_folder, std::move(message), std::string(field)));
}

}  // namespace

Expected<void, ApiError> check_folder_name(std::string_view folder, std::string_view field) {
  if (folder.empty()) return invalid("folder name is empty", field);
  if (folder.size() > kMaxFolderBytes) {
    return invalid("folder name is longer than 256 bytes", field);
  }
  if (folder.front() == '/') return invalid("folder name must not start with '/'", field);
  if (folder.back() == '/') return invalid("folder name must not end with '/'", field);
  std::size_t segments = 0;
  std::size_t start = 0;
  while (start <= folder.size()) {
    auto end = folder.find('/', start);
    if (end == std::string_view::npos) end = folder.size();
    const std::string_view segment = folder.substr(start, end - start);
    if (segment.empty()) return invalid("folder name holds an empty segment ('//')", field);
    if (segment == "." || segment == "..") {
      return invalid("folder name must not hold '.' or '..' segments", field);
    }
    if (segment.size() > kMaxSegmentBytes) {
      return invalid("a folder segment is longer than 64 bytes", field);
    }
    for (char c : segment) {
      if (!text::is_alnum(c) && c != '.' && c != '_' && c != '-') {
        return invalid("folder name may hold only letters, digits, '.', '_', '-' and '/'", field);
      }
    }
    if (++segments > kMaxSegments) return invalid("folder name has more than 8 segments", field);
    start = end + 1;
  }
  return {};
}

}  // namespace upgate::api
