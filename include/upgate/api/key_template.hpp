// Object key templates: how a profile names the objects it lets clients upload.
//
// A template is literal text and placeholders:
//   {folder}  the profile's folder (or the requested one, for a `folder = "*"` profile)
//   {yyyy} {mm} {dd} {hh}  UTC date and hour of signing
//   {id}      a fresh random 128-bit id, 32 lower-case hex digits
//   {name}    the sanitised file name (file_name.hpp)
//   {ext}     its extension, lower-case, without the dot (may be empty)
// The default is `{folder}/{yyyy}/{mm}/{dd}/{id}-{name}`: unique, sortable by date, and
// free of anything the client controls except the sanitised name.
//
// compile() refuses a template that does not start with `{folder}/` (a key must stay in
// its folder) or lacks `{id}` (keys must be unique, the seed route has no other overwrite
// protection), and literals outside [A-Za-z0-9/._-]. render() checks the key it builds:
// never an empty, `.` or `..` segment (browsers rewrite such paths, and the signature
// would no longer match), at most kMaxKeyBytes, always under `{folder}/`.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"

namespace upgate::api {

inline constexpr std::string_view kDefaultKeyTemplate = "{folder}/{yyyy}/{mm}/{dd}/{id}-{name}";
inline constexpr std::size_t kMaxKeyBytes = 1024;  // S3's limit

struct KeyParts {
  std::string_view folder;
  std::string_view name;
  std::string_view extension;
  std::chrono::sys_seconds time;
  std::array<std::uint8_t, 16> id;  // random_id()
};

class KeyTemplate {
 public:
  static Expected<KeyTemplate, std::string> compile(std::string_view text);
  static KeyTemplate default_template();

  // nullopt when the key would break a rule above (e.g. an empty {ext} alone in a segment).
  std::optional<std::string> render(const KeyParts& parts) const;
  const std::string& text() const { return text_; }
  // What every key rendered for `folder` starts with: the folder, '/', and the literal text
  // up to the first placeholder that varies ("photos/in/" for "{folder}/in/{id}").
  std::string fixed_prefix(std::string_view folder) const;

 private:
  enum class Kind : std::uint8_t { literal, folder, year, month, day, hour, id, name, ext };
  struct Piece {
    Kind kind;
    std::string literal;
  };
  std::string text_;
  std::vector<Piece> pieces_;
};

// 128 bits from OpenSSL's CSPRNG (drawn 4 KiB at a time per thread; each id is used once).
std::array<std::uint8_t, 16> random_id();

// True when every '/'-separated segment of `key` is non-empty and not `.` or `..`, the key
// is 1..kMaxKeyBytes of valid UTF-8 without control characters.
bool well_formed_key(std::string_view key);

}  // namespace upgate::api
