// The AWS shared-file INI parser. Hostile input: bounded, and errors never echo content.
#include "upgate/config/ini_file.hpp"

#include <algorithm>

#include "upgate/text.hpp"

namespace upgate::config {
namespace {

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 128) return false;
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return text::is_alnum(c) || c == '_' || c == '-' || c == '.'; });
}

Unexpected<IniError> fail(std::size_t line, std::string message) {
  return Unexpected(IniError{line, std::move(message)});
}

}  // namespace

std::optional<std::string_view> IniSection::get(std::string_view key) const {
  const auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return std::string_view(it->second);
}

const IniSection* IniFile::section(std::string_view name) const {
  const auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

Expected<IniFile, IniError> parse_ini(std::string_view text) {
  if (text.size() > kMaxIniBytes) return fail(0, "file is larger than 1 MiB");
  if (text.find('\0') != std::string_view::npos) return fail(0, "file holds a NUL byte");
  // A UTF-8 byte order mark, as some editors write.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  IniFile file;
  IniSection* current = nullptr;
  std::string nested_prefix;  // "s3." inside an `s3 =` block
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto eol = text.find('\n');
    std::string_view raw = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (raw.size() > kMaxIniLineBytes) return fail(line_no, "line is longer than 8 KiB");

    const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
    // All ASCII white space goes, as Python's configparser (the AWS CLI's reader) strips
    // it; a CRLF file's '\r' with it.
    const std::string_view line = text::trim_space(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      if (line.back() != ']') return fail(line_no, "section header without closing ']'");
      const std::string_view name = text::trim_space(line.substr(1, line.size() - 2));
      if (name.empty()) return fail(line_no, "empty section name");
      if (name.size() > 256) return fail(line_no, "section name longer than 256 bytes");
      if (file.sections.size() >= kMaxIniSections && !file.sections.contains(name)) {
        return fail(line_no, "more than 4096 sections");
      }
      current = &file.sections[std::string(name)];
      nested_prefix.clear();
      continue;
    }

    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail(line_no, "expected 'key = value'");
    if (current == nullptr) return fail(line_no, "'key = value' before any [section]");
    const std::string key = text::lower(text::trim_space(line.substr(0, eq)));
    const std::string_view value = text::trim_space(line.substr(eq + 1));
    if (!valid_key(key)) return fail(line_no, "invalid key name");

    if (indented && !nested_prefix.empty()) {
      current->values[nested_prefix + key] = std::string(value);
      continue;
    }
    if (value.empty()) {
      // `s3 =` opens a nested block of indented lines.
      nested_prefix = key + ".";
      continue;
    }
    nested_prefix.clear();
    current->values[key] = std::string(value);
  }
  return file;
}

}  // namespace upgate::config
