#include "request_file.hpp"

#include <fstream>
#include <sstream>

namespace upgate::sigv4::testing {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

RequestView RequestFile::view() const {
  views_.clear();
  for (const auto& h : headers) views_.push_back({h.name, h.value});
  return {method, target, views_};
}

const std::string* RequestFile::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::optional<RequestFile> parse_request_file(std::string_view text) {
  RequestFile file;
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos > text.size()) return false;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    line = text.substr(pos, end - pos);
    pos = end + 1;
    return true;
  };

  std::string_view line;
  if (!next_line(line)) return std::nullopt;
  // The target may hold spaces (get-space-*): it runs from the first space to
  // the last " HTTP/".
  const std::size_t first_space = line.find(' ');
  const std::size_t version = line.rfind(" HTTP/");
  if (first_space == std::string_view::npos || version == std::string_view::npos ||
      version <= first_space) {
    return std::nullopt;
  }
  file.method = std::string(line.substr(0, first_space));
  file.target = std::string(line.substr(first_space + 1, version - first_space - 1));

  while (next_line(line)) {
    if (line.empty()) {
      if (pos < text.size()) file.body = std::string(text.substr(pos));
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (file.headers.empty()) return std::nullopt;
      file.headers.back().value.append("\n").append(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    file.headers.push_back(
        {std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  return file;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace upgate::sigv4::testing
