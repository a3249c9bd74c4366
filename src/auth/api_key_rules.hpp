// Internal to upgate_auth: what a keys file's fields may hold, shared by the reader
// (api_keys.cpp) and the writer (api_key_file.cpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/text.hpp"

namespace upgate::auth {

inline constexpr std::size_t kMaxKeysFileBytes = 4 * 1024 * 1024;

// "k_" and 12 lowercase hex digits.
inline bool valid_key_id(std::string_view id) {
  if (id.size() != 14 || !id.starts_with("k_")) return false;
  for (const char c : id.substr(2)) {
    if (!text::is_digit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// 1..256 bytes, no control characters (UTF-8 validity is the JSON parser's).
inline bool valid_principal_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// A profile's name as upgate.toml gives it, or "*": 1..128 printable ASCII characters
// without spaces, quotes, backslashes or commas.
inline bool valid_profile_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (const char c : name) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == ',') return false;
  }
  return true;
}

// Why a list of profiles cannot stand ("*" beside names, a name twice), or nullopt.
inline std::optional<std::string> profile_list_problem(const std::vector<std::string>& profiles) {
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    if (profiles[i] == "*" && profiles.size() > 1) {
      return std::string("\"*\" (every profile) stands alone in \"profiles\"");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (profiles[i] == profiles[j]) return "the profile " + profiles[i] + " is listed twice";
    }
  }
  return std::nullopt;
}

// The keys file's text, nullopt when it does not exist. With refuse_loose_mode, a file
// that group or others may write is an error.
Expected<std::optional<std::string>, std::string> read_keys_file(const std::filesystem::path& path,
                                                                 bool refuse_loose_mode);

}  // namespace upgate::auth
