// Object key templates: how a profile names the objects it lets clients upload, and
// whether a key is one of those names.
//
// A template is literal text and placeholders:
//   {folder}  the profile's folder (or the requested one, for a `folder = "*"` profile)
//   {yyyy} {mm} {dd} {hh}  UTC date and hour of signing
//   {id}      a fresh random 128-bit id, 32 lower-case hex digits
//   {name}    the sanitised file name (file_name.hpp)
//   {ext}     its extension, lower-case, without the dot (may be empty)
//   {principal}   the caller's principal id, escaped into one segment (principal_segment.hpp)
//   {claim.NAME}  the caller's string claim NAME (a top-level claim; a '.' in NAME is part
//                 of the name, "claim.https://example.com/org" reads the claim
//                 "https://example.com/org"), escaped the same way
// The default is `{folder}/{yyyy}/{mm}/{dd}/{id}-{name}`: unique, sortable by date, and
// free of anything the client controls except the sanitised name.
//
// A template with {principal} or a {claim.NAME} (names_principal()) gives every principal
// its own keys; one without is shared by all who may use the profile.
//
// compile() refuses a template that does not start with `{folder}/` (a key must stay in
// its folder) or lacks `{id}` (keys must be unique, the seed route has no other overwrite
// protection), and literals outside [A-Za-z0-9/._-]. render() checks the key it builds:
// never an empty, `.` or `..` segment (browsers rewrite such paths, and the signature
// would no longer match), at most kMaxKeyBytes, always under `{folder}/`.
//
// match() is render() read backwards: whether the template could have produced `key`
// for a folder and an owner. Every placeholder must have its shape ({id} 32 lower-case
// hex digits, dates in range and a real calendar day, {name} a name sanitising leaves
// as it is, {ext} that name's extension, a repeated placeholder the same text each time)
// and the principal fields must be the owner's own segments. It is what decides that a
// key upgate did not mint (`backups/db.sql`), or minted for someone else, is never
// signed for download. It is a bounded backtracking match: the work per key is capped
// (kMaxMatchSteps), and a key that would exceed it does not match.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/auth/principal.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

inline constexpr std::string_view kDefaultKeyTemplate = "{folder}/{yyyy}/{mm}/{dd}/{id}-{name}";
// The implicit profile's template when [auth] configures a mode: the principal's own prefix.
inline constexpr std::string_view kPrincipalKeyTemplate =
    "{folder}/{principal}/{yyyy}/{mm}/{dd}/{id}-{name}";
inline constexpr std::size_t kMaxKeyBytes = 1024;  // S3's limit
inline constexpr std::size_t kMaxClaimNameBytes = 128;
inline constexpr unsigned kMaxMatchSteps = 1U << 16;

struct KeyParts {
  std::string_view folder;
  std::string_view name;
  std::string_view extension;
  std::chrono::sys_seconds time;
  std::array<std::uint8_t, 16> id;  // random_id()
  // Whom the key is for; null (anonymous) only for templates without principal fields.
  const auth::Principal* principal = nullptr;
};

// Why render() made no key.
struct RenderError {
  enum class Reason : std::uint8_t {
    invalid_key,    // the key would break a rule above (e.g. an empty {ext} alone in a segment)
    no_principal,   // the template names the principal, and the caller is anonymous
    missing_claim,  // the principal lacks the string claim `claim`
  };
  Reason reason = Reason::invalid_key;
  std::string claim;
};

struct KeyMatch {
  std::string_view folder;
};

// Whose keys match() accepts.
class KeyOwner {
 public:
  // Any principal's: the principal fields need only the shape of a segment.
  static KeyOwner anyone() noexcept { return KeyOwner(nullptr, true); }
  // This principal's own. Null (anonymous) owns only keys of templates without principal
  // fields; a principal without a claim the template names owns none of its keys.
  static KeyOwner of(const auth::Principal* principal) noexcept {
    return KeyOwner(principal, false);
  }

  bool is_anyone() const noexcept { return anyone_; }
  const auth::Principal* principal() const noexcept { return principal_; }

 private:
  KeyOwner(const auth::Principal* principal, bool anyone)
      : principal_(principal), anyone_(anyone) {}
  const auth::Principal* principal_;
  bool anyone_;
};

class KeyTemplate {
 public:
  static Expected<KeyTemplate, std::string> compile(std::string_view text);
  static KeyTemplate default_template();

  Expected<std::string, RenderError> render(const KeyParts& parts) const;
  // `folder`: the folder the key must be in; nullopt: any valid folder (folder_name.hpp),
  // for a `folder = "*"` profile. Which folders such a profile may serve is the profile
  // set's business (profile_set.hpp), not the template's. nullopt when the key does not
  // match; else the folder it matched with (a view into `key`).
  std::optional<KeyMatch> match(std::string_view key, std::optional<std::string_view> folder,
                                const KeyOwner& owner) const;

  const std::string& text() const { return text_; }
  // Whether the template holds {principal} or a {claim.NAME}.
  bool names_principal() const;
  // What every key rendered for `folder` starts with: the folder, '/', and the literal text
  // up to the first placeholder that varies ("photos/in/" for "{folder}/in/{id}"; "photos/"
  // for "{folder}/{principal}/{id}").
  std::string fixed_prefix(std::string_view folder) const;

 private:
  enum class Kind : std::uint8_t {
    literal,
    folder,
    year,
    month,
    day,
    hour,
    id,
    name,
    ext,
    principal,
    claim,
  };
  struct Piece {
    Kind kind;
    std::string text;       // the literal, or the claim's name
    std::uint8_t slot = 0;  // placeholders of the same value share a slot (match())
  };
  struct Matcher;

  std::string text_;
  std::vector<Piece> pieces_;
  std::uint8_t slots_ = 0;
};

// 128 bits from OpenSSL's CSPRNG (drawn 4 KiB at a time per thread; each id is used once).
std::array<std::uint8_t, 16> random_id();

// True when every '/'-separated segment of `key` is non-empty and not `.` or `..`, the key
// is 1..kMaxKeyBytes of valid UTF-8 without control characters.
bool well_formed_key(std::string_view key);

}  // namespace upgate::api
