// Sanitising the file name a client declares, for use inside an object key.
//
// The name is the client's claim and is treated as hostile. sanitize_file_name():
//   - keeps only the last path component (after the last '/' or '\'),
//   - drops invalid UTF-8, control characters (C0, DEL, C1) and invisible formatting
//     characters (bidi overrides, zero-width characters, BOM, line separators),
//   - turns every other ASCII byte outside [A-Za-z0-9._-] into '_' (one '_' per run),
//   - trims leading '.', '_', '-' (no hidden files, never `.` or `..`) and trailing ones,
//   - limits the result to kMaxSanitizedNameBytes, cutting the base name on a character
//     boundary and keeping the extension.
// Non-ASCII letters are kept, so downloads can give the name back. The result is never
// empty, `.` or `..`, and never holds '/', '\' or a control character; nullopt when
// nothing usable is left (e.g. "....", "\x01").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::api {

inline constexpr std::size_t kMaxSanitizedNameBytes = 128;
inline constexpr std::size_t kMaxExtensionBytes = 16;

struct SanitizedName {
  std::string name;       // "holiday_photo.JPG"
  std::string extension;  // "jpg": lower-case, without the dot; empty when there is none
};

std::optional<SanitizedName> sanitize_file_name(std::string_view raw);

}  // namespace upgate::api
