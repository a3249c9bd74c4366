// upgate::config::IniFile: the INI dialect of the AWS shared files (~/.aws/credentials,
// ~/.aws/config), parsed as hostile input.
//
// Accepted: `[section]` headers, `key = value` lines, `#` and `;` comment lines, blank
// lines, and AWS's nested sub-sections (`s3 =` followed by indented `key = value` lines,
// stored as "s3.key"). Keys are lower-cased; values are trimmed. A later duplicate
// section or key overrides the earlier one, as the AWS CLI does.
//
// Bounds: the text at most kMaxIniBytes, a line at most kMaxIniLineBytes, at most
// kMaxIniSections sections; a NUL byte anywhere is an error. Errors name the line
// number, never the line's text, because the line may hold a secret.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"

namespace upgate::config {

inline constexpr std::size_t kMaxIniBytes = 1024 * 1024;
inline constexpr std::size_t kMaxIniLineBytes = 8 * 1024;
inline constexpr std::size_t kMaxIniSections = 4096;

struct IniSection {
  std::map<std::string, std::string, std::less<>> values;  // "region", "s3.endpoint_url"

  std::optional<std::string_view> get(std::string_view key) const;
};

struct IniFile {
  std::map<std::string, IniSection, std::less<>> sections;  // by name as written, trimmed

  const IniSection* section(std::string_view name) const;
};

struct IniError {
  std::size_t line = 0;  // 1-based; 0 for whole-file problems
  std::string message;   // never quotes the file's content
};

Expected<IniFile, IniError> parse_ini(std::string_view text);

}  // namespace upgate::config
