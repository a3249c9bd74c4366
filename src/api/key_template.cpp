// Key templates: compiled once at start-up, rendered per request without parsing.
#include "upgate/api/key_template.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "upgate/api/file_name.hpp"
#include "upgate/api/folder_name.hpp"
#include "upgate/api/principal_segment.hpp"
#include "upgate/enum_names.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

void append_2digits(std::string& out, unsigned value) {
  out += static_cast<char>('0' + value / 10 % 10);
  out += static_cast<char>('0' + value % 10);
}

bool safe_literal(char c) {
  return text::is_alnum(c) || c == '/' || c == '.' || c == '_' || c == '-';
}

constexpr std::size_t kMaxPlaceholders = 32;

// What {principal} (is_claim false) or {claim.NAME} stands for: the id, or the claim when
// it is a non-empty string; nullopt when there is none.
std::optional<std::string_view> principal_field(const auth::Principal& principal, bool is_claim,
                                                std::string_view claim) {
  if (!is_claim) {
    if (principal.id.empty()) return std::nullopt;
    return std::string_view(principal.id);
  }
  const boost::json::value* value = principal.claims.if_contains(claim);
  if (value == nullptr || !value->is_string() || value->get_string().empty()) return std::nullopt;
  return std::string_view(value->get_string());
}

bool valid_claim_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxClaimNameBytes &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return c > 0x20 && c < 0x7F && c != '{'; });
}

}  // namespace

Expected<KeyTemplate, std::string> KeyTemplate::compile(std::string_view text) {
  // The placeholders by name, and {claim.NAME}.
  static constexpr EnumName<Kind> kPlaceholders[] = {
      {Kind::folder, "folder"}, {Kind::year, "yyyy"}, {Kind::month, "mm"},
      {Kind::day, "dd"},        {Kind::hour, "hh"},   {Kind::id, "id"},
      {Kind::name, "name"},     {Kind::ext, "ext"},   {Kind::principal, "principal"},
  };
  if (text.substr(0, 9) != "{folder}/") {
    return Unexpected(std::string("must start with '{folder}/' so keys stay in their folder"));
  }
  KeyTemplate out;
  out.text_ = std::string(text);
  bool has_id = false;
  std::size_t placeholders = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      const auto close = text.find('}', i);
      if (close == std::string_view::npos) return Unexpected(std::string("unclosed '{'"));
      const std::string_view name = text.substr(i + 1, close - i - 1);
      Piece piece{Kind::literal, {}, 0};
      if (const auto kind = value_named(kPlaceholders, name)) {
        piece.kind = *kind;
        has_id = has_id || *kind == Kind::id;
      } else if (name.starts_with("claim.")) {
        piece.kind = Kind::claim;
        piece.text = std::string(name.substr(6));
        if (!valid_claim_name(piece.text)) {
          return Unexpected("{" + std::string(name) +
                            "}: a claim name is 1-128 visible ASCII characters without '{'");
        }
      } else {
        std::string known;
        for (const auto& placeholder : kPlaceholders) known.append(placeholder.name).append(", ");
        return Unexpected("unknown placeholder {" + std::string(name) + "} (known: " + known +
                          "claim.NAME)");
      }
      if (++placeholders > kMaxPlaceholders) {
        return Unexpected("holds more than " + std::to_string(kMaxPlaceholders) + " placeholders");
      }
      // Placeholders that stand for the same value share a slot.
      const auto same = std::find_if(out.pieces_.begin(), out.pieces_.end(), [&](const Piece& p) {
        return p.kind == piece.kind && p.text == piece.text;
      });
      piece.slot = same != out.pieces_.end() ? same->slot : out.slots_++;
      out.pieces_.push_back(std::move(piece));
      i = close + 1;
      continue;
    }
    if (!safe_literal(text[i])) {
      return Unexpected(
          std::string("literal text may hold only letters, digits, '/', '.', '_' "
                      "and '-'"));
    }
    if (out.pieces_.empty() || out.pieces_.back().kind != Kind::literal) {
      out.pieces_.push_back({Kind::literal, {}, 0});
    }
    out.pieces_.back().text += text[i];
    ++i;
  }
  if (!has_id) return Unexpected(std::string("must contain {id} so every key is unique"));
  // The segment rules apply to the template's own text, not to a claim's name inside a
  // placeholder ("{claim.https://example.com/org}" is one segment).
  std::string skeleton;
  for (const Piece& piece : out.pieces_) skeleton += piece.kind == Kind::literal ? piece.text : "x";
  if (skeleton.find("//") != std::string::npos) {
    return Unexpected(std::string("must not hold an empty segment ('//')"));
  }
  if (skeleton.back() == '/') return Unexpected(std::string("must not end with '/'"));
  for (std::string_view rest = skeleton; !rest.empty();) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment == "." || segment == "..") {
      return Unexpected(std::string("must not hold a '.' or '..' segment"));
    }
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
  }
  return out;
}

KeyTemplate KeyTemplate::default_template() {
  auto compiled = compile(kDefaultKeyTemplate);
  if (!compiled) throw std::logic_error("default key template does not compile");
  return std::move(*compiled);
}

bool KeyTemplate::names_principal() const {
  return std::any_of(pieces_.begin(), pieces_.end(), [](const Piece& p) {
    return p.kind == Kind::principal || p.kind == Kind::claim;
  });
}

Expected<std::string, RenderError> KeyTemplate::render(const KeyParts& parts) const {
  const std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(parts.time);
  const std::chrono::year_month_day ymd{day};
  const auto hour =
      std::chrono::duration_cast<std::chrono::hours>(parts.time - std::chrono::sys_seconds(day));
  const auto invalid = [] { return Unexpected(RenderError{RenderError::Reason::invalid_key, {}}); };

  std::string key;
  key.reserve(parts.folder.size() + parts.name.size() + 64);
  for (const Piece& piece : pieces_) {
    switch (piece.kind) {
      case Kind::literal:
        key += piece.text;
        break;
      case Kind::folder:
        key += parts.folder;
        break;
      case Kind::year: {
        const int y = static_cast<int>(ymd.year());
        if (y < 0 || y > 9999) return invalid();
        append_2digits(key, static_cast<unsigned>(y / 100));
        append_2digits(key, static_cast<unsigned>(y % 100));
        break;
      }
      case Kind::month:
        append_2digits(key, static_cast<unsigned>(ymd.month()));
        break;
      case Kind::day:
        append_2digits(key, static_cast<unsigned>(ymd.day()));
        break;
      case Kind::hour:
        append_2digits(key, static_cast<unsigned>(hour.count()));
        break;
      case Kind::id:
        text::append_hex_lower(key, parts.id);
        break;
      case Kind::name:
        key += parts.name;
        break;
      case Kind::ext:
        key += parts.extension;
        break;
      case Kind::principal:
      case Kind::claim: {
        if (parts.principal == nullptr || parts.principal->id.empty()) {
          return Unexpected(RenderError{RenderError::Reason::no_principal, {}});
        }
        const auto value = principal_field(*parts.principal, piece.kind == Kind::claim, piece.text);
        if (!value) return Unexpected(RenderError{RenderError::Reason::missing_claim, piece.text});
        key += principal_segment(*value);
        break;
      }
    }
  }
  // The folder prefix is guaranteed by the template; the rest is checked, not trusted.
  if (key.size() <= parts.folder.size() || key.compare(0, parts.folder.size(), parts.folder) != 0 ||
      key[parts.folder.size()] != '/' || !well_formed_key(key)) {
    return invalid();
  }
  return key;
}

std::string KeyTemplate::fixed_prefix(std::string_view folder) const {
  std::string prefix;
  for (const Piece& piece : pieces_) {
    if (piece.kind == Kind::literal) {
      prefix += piece.text;
    } else if (piece.kind == Kind::folder) {
      prefix += folder;
    } else {
      break;
    }
  }
  return prefix;
}

// The backtracking match of one key against the template's pieces. Fixed-width pieces
// are read in place; a variable one ({folder} for any folder, {name}, {ext}, a principal
// field for any owner) tries each length its shape allows, shortest first. A placeholder
// seen before must repeat its first text; the cross-piece rules (name and extension agree,
// the date is a real day) are checked once a whole key has matched.
struct KeyTemplate::Matcher {
  const KeyTemplate& tmpl;
  std::string_view key;
  std::vector<std::optional<std::string>> fixed;          // per piece: the text it must be
  std::vector<std::optional<std::string_view>> captured;  // per slot
  unsigned steps = 0;

  bool from(std::size_t index, std::size_t pos) {
    if (++steps > kMaxMatchSteps) return false;
    if (index == tmpl.pieces_.size()) return pos == key.size() && cross_checks();
    const Piece& piece = tmpl.pieces_[index];
    const std::string_view rest = key.substr(pos);
    if (piece.kind == Kind::literal) {
      return rest.starts_with(piece.text) && from(index + 1, pos + piece.text.size());
    }
    if (fixed[index]) {
      return rest.starts_with(*fixed[index]) && from(index + 1, pos + fixed[index]->size());
    }
    if (const auto seen = captured[piece.slot]) {
      return rest.starts_with(*seen) && from(index + 1, pos + seen->size());
    }
    const auto try_value = [&](std::string_view value) {
      captured[piece.slot] = value;
      if (from(index + 1, pos + value.size())) return true;
      captured[piece.slot].reset();
      return false;
    };
    switch (piece.kind) {
      case Kind::year:
        return fixed_digits(rest, 4, 0, 9999) && try_value(rest.substr(0, 4));
      case Kind::month:
        return fixed_digits(rest, 2, 1, 12) && try_value(rest.substr(0, 2));
      case Kind::day:
        return fixed_digits(rest, 2, 1, 31) && try_value(rest.substr(0, 2));
      case Kind::hour:
        return fixed_digits(rest, 2, 0, 23) && try_value(rest.substr(0, 2));
      case Kind::id: {
        if (rest.size() < 32) return false;
        const std::string_view id = rest.substr(0, 32);
        return std::all_of(
                   id.begin(), id.end(),
                   [](char c) { return text::is_hex_digit(c) && !(c >= 'A' && c <= 'F'); }) &&
               try_value(id);
      }
      case Kind::folder:
        // Any folder: it ends where a '/' does, and the template has one right after it.
        for (std::size_t end = 1; end < rest.size() && end <= kMaxFolderBytes; ++end) {
          if (rest[end] != '/') continue;
          const std::string_view folder = rest.substr(0, end);
          if (check_folder_name(folder, {}) && try_value(folder)) return true;
        }
        return false;
      case Kind::name:
        for (std::size_t end = 1; end <= rest.size() && end <= kMaxSanitizedNameBytes; ++end) {
          if (rest[end - 1] == '/') break;
          const std::string_view name = rest.substr(0, end);
          const auto sanitized = sanitize_file_name(name);
          if (sanitized && sanitized->name == name && try_value(name)) return true;
        }
        return false;
      case Kind::ext:
        for (std::size_t end = 0; end <= rest.size() && end <= kMaxExtensionBytes; ++end) {
          if (end > 0 && !text::is_lower_or_digit(rest[end - 1])) break;
          if (try_value(rest.substr(0, end))) return true;
        }
        return false;
      case Kind::principal:
      case Kind::claim:  // any owner's: the shape of a segment
        for (std::size_t end = 1; end <= rest.size() && end <= kMaxPrincipalSegmentBytes; ++end) {
          if (rest[end - 1] == '/') break;
          const std::string_view segment = rest.substr(0, end);
          if (is_principal_segment(segment) && try_value(segment)) return true;
        }
        return false;
      case Kind::literal:
        break;
    }
    return false;
  }

  static bool fixed_digits(std::string_view rest, std::size_t width, unsigned lo, unsigned hi) {
    if (rest.size() < width) return false;
    unsigned value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      if (!text::is_digit(rest[i])) return false;
      value = value * 10 + static_cast<unsigned>(rest[i] - '0');
    }
    return value >= lo && value <= hi;
  }

  std::optional<std::string_view> value_of(Kind kind) const {
    for (const Piece& piece : tmpl.pieces_) {
      if (piece.kind == kind) return captured[piece.slot];
    }
    return std::nullopt;
  }

  static unsigned number(std::string_view digits) {
    unsigned value = 0;
    for (const char c : digits) value = value * 10 + static_cast<unsigned>(c - '0');
    return value;
  }

  bool cross_checks() const {
    const auto name = value_of(Kind::name);
    const auto ext = value_of(Kind::ext);
    if (name && ext && sanitize_file_name(*name)->extension != *ext) return false;
    const auto month = value_of(Kind::month);
    const auto day = value_of(Kind::day);
    if (month && day) {
      // Without {yyyy}, 29 February is a day some year has.
      const auto year = value_of(Kind::year);
      const std::chrono::year y{year ? static_cast<int>(number(*year)) : 2000};
      const std::chrono::year_month_day ymd{y, std::chrono::month{number(*month)},
                                            std::chrono::day{number(*day)}};
      if (!ymd.ok()) return false;
    }
    return true;
  }
};

std::optional<KeyMatch> KeyTemplate::match(std::string_view key,
                                           std::optional<std::string_view> folder,
                                           const KeyOwner& owner) const {
  if (!well_formed_key(key)) return std::nullopt;
  Matcher matcher{*this, key, std::vector<std::optional<std::string>>(pieces_.size()),
                  std::vector<std::optional<std::string_view>>(slots_), 0};
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    const Piece& piece = pieces_[i];
    if (piece.kind == Kind::folder && folder) {
      matcher.fixed[i] = std::string(*folder);
    } else if ((piece.kind == Kind::principal || piece.kind == Kind::claim) && !owner.is_anyone()) {
      if (owner.principal() == nullptr) return std::nullopt;
      const auto value = principal_field(*owner.principal(), piece.kind == Kind::claim, piece.text);
      if (!value) return std::nullopt;
      matcher.fixed[i] = principal_segment(*value);
    }
  }
  if (!matcher.from(0, 0)) return std::nullopt;
  // The template starts with "{folder}/": the folder is the first piece's text.
  if (folder) return KeyMatch{key.substr(0, folder->size())};
  return KeyMatch{*matcher.captured[pieces_.front().slot]};
}

std::array<std::uint8_t, 16> random_id() {
  // OpenSSL 3's RAND_bytes takes locks and parameter lookups per call; drawing 4 KiB at a
  // time and handing it out 16 bytes per id keeps the CSPRNG's output and drops the cost.
  struct Pool {
    std::array<std::uint8_t, 4096> bytes{};
    std::size_t used = 4096;
  };
  thread_local Pool pool;
  if (pool.used == pool.bytes.size()) {
    if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    pool.used = 0;
  }
  std::array<std::uint8_t, 16> id{};
  std::copy_n(pool.bytes.begin() + static_cast<std::ptrdiff_t>(pool.used), id.size(), id.begin());
  std::fill_n(pool.bytes.begin() + static_cast<std::ptrdiff_t>(pool.used), id.size(), 0);
  pool.used += id.size();
  return id;
}

bool well_formed_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes || !text::is_valid_utf8(key)) return false;
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  std::size_t start = 0;
  while (start <= key.size()) {
    auto end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view segment = key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace upgate::api
