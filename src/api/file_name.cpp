// File-name sanitising: what is left of a client's name is safe inside a key segment.
#include "upgate/api/file_name.hpp"

#include <cctype>
#include <cstdint>

namespace upgate::api {
namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when invalid.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& out) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    out = b0;
    return 1;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  out = cp;
  return len;
}

// Characters that are invisible or reorder text: they make a name look like another.
bool invisible_or_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF ||
         (cp >= 0xFFF9 && cp <= 0xFFFB);
}

bool whitespace_like(char32_t cp) {
  return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool safe_ascii(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool trimmed_edge(char c) {
  return c == '.' || c == '_' || c == '-';
}

// The longest prefix of `s` of at most max_bytes that ends on a character boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

std::string_view trim_edges(std::string_view s) {
  while (!s.empty() && trimmed_edge(s.front())) s.remove_prefix(1);
  while (!s.empty() && trimmed_edge(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t len = decode_utf8(text, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::optional<SanitizedName> sanitize_file_name(std::string_view raw) {
  const auto last_separator = raw.find_last_of("/\\");
  if (last_separator != std::string_view::npos) raw.remove_prefix(last_separator + 1);

  std::string cleaned;
  // The whole name is read (it is bounded by the request body), so a long name still
  // keeps the extension at its end.
  cleaned.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    char32_t cp = 0;
    const std::size_t len = decode_utf8(raw, i, cp);
    if (len == 0) {  // an invalid byte: dropped, decoding resumes at the next one
      ++i;
      continue;
    }
    const std::string_view bytes = raw.substr(i, len);
    i += len;
    if (invisible_or_control(cp)) continue;
    if (cp < 0x80 && safe_ascii(static_cast<char>(cp))) {
      cleaned += static_cast<char>(cp);
    } else if (cp < 0x80 || whitespace_like(cp)) {
      if (cleaned.empty() || cleaned.back() != '_') cleaned += '_';
    } else {
      cleaned += bytes;
    }
  }

  std::string_view name = trim_edges(cleaned);
  if (name.empty()) return std::nullopt;

  SanitizedName out;
  std::string_view base = name;
  std::string_view extension;
  const auto dot = name.rfind('.');
  if (dot != std::string_view::npos && dot + 1 < name.size() &&
      name.size() - dot - 1 <= kMaxExtensionBytes) {
    const std::string_view candidate = name.substr(dot + 1);
    bool alnum = true;
    for (char c : candidate) alnum = alnum && std::isalnum(static_cast<unsigned char>(c));
    if (alnum) {
      extension = candidate;
      base = trim_edges(name.substr(0, dot));
    }
  }
  if (base.empty()) {
    // "_.png" and the like: the extension is all there is, keep it as the name.
    base = extension;
    extension = {};
  }
  const std::size_t room = kMaxSanitizedNameBytes - (extension.empty() ? 0 : extension.size() + 1);
  base = trim_edges(utf8_prefix(base, room));
  if (base.empty()) return std::nullopt;
  out.name = std::string(base);
  if (!extension.empty()) {
    out.name += '.';
    out.name += extension;
    out.extension.reserve(extension.size());
    for (char c : extension) {
      out.extension += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

}  // namespace upgate::api
