// Key templates: compiled once at start-up, rendered per request without parsing.
#include "upgate/api/key_template.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

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

}  // namespace

Expected<KeyTemplate, std::string> KeyTemplate::compile(std::string_view text) {
  if (text.substr(0, 9) != "{folder}/") {
    return Unexpected(std::string("must start with '{folder}/' so keys stay in their folder"));
  }
  KeyTemplate out;
  out.text_ = std::string(text);
  bool has_id = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      const auto close = text.find('}', i);
      if (close == std::string_view::npos) return Unexpected(std::string("unclosed '{'"));
      const std::string_view name = text.substr(i + 1, close - i - 1);
      Kind kind;
      if (name == "folder") {
        kind = Kind::folder;
      } else if (name == "yyyy") {
        kind = Kind::year;
      } else if (name == "mm") {
        kind = Kind::month;
      } else if (name == "dd") {
        kind = Kind::day;
      } else if (name == "hh") {
        kind = Kind::hour;
      } else if (name == "id") {
        kind = Kind::id, has_id = true;
      } else if (name == "name") {
        kind = Kind::name;
      } else if (name == "ext") {
        kind = Kind::ext;
      } else {
        return Unexpected("unknown placeholder {" + std::string(name) +
                          "} (known: folder, yyyy, mm, dd, hh, id, name, ext)");
      }
      out.pieces_.push_back({kind, {}});
      i = close + 1;
      continue;
    }
    if (!safe_literal(text[i])) {
      return Unexpected(
          std::string("literal text may hold only letters, digits, '/', '.', '_' "
                      "and '-'"));
    }
    if (out.pieces_.empty() || out.pieces_.back().kind != Kind::literal) {
      out.pieces_.push_back({Kind::literal, {}});
    }
    out.pieces_.back().literal += text[i];
    ++i;
  }
  if (!has_id) return Unexpected(std::string("must contain {id} so every key is unique"));
  if (text.find("//") != std::string_view::npos) {
    return Unexpected(std::string("must not hold an empty segment ('//')"));
  }
  if (text.back() == '/') return Unexpected(std::string("must not end with '/'"));
  for (std::string_view rest = text; !rest.empty();) {
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

std::optional<std::string> KeyTemplate::render(const KeyParts& parts) const {
  const std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(parts.time);
  const std::chrono::year_month_day ymd{day};
  const auto hour =
      std::chrono::duration_cast<std::chrono::hours>(parts.time - std::chrono::sys_seconds(day));

  std::string key;
  key.reserve(parts.folder.size() + parts.name.size() + 64);
  for (const Piece& piece : pieces_) {
    switch (piece.kind) {
      case Kind::literal:
        key += piece.literal;
        break;
      case Kind::folder:
        key += parts.folder;
        break;
      case Kind::year: {
        const int y = static_cast<int>(ymd.year());
        if (y < 0 || y > 9999) return std::nullopt;
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
    }
  }
  // The folder prefix is guaranteed by the template; the rest is checked, not trusted.
  if (key.size() <= parts.folder.size() || key.compare(0, parts.folder.size(), parts.folder) != 0 ||
      key[parts.folder.size()] != '/' || !well_formed_key(key)) {
    return std::nullopt;
  }
  return key;
}

std::string KeyTemplate::fixed_prefix(std::string_view folder) const {
  std::string prefix;
  for (const Piece& piece : pieces_) {
    if (piece.kind == Kind::literal) {
      prefix += piece.literal;
    } else if (piece.kind == Kind::folder) {
      prefix += folder;
    } else {
      break;
    }
  }
  return prefix;
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
