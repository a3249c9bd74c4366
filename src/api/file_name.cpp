// File-name sanitising: what is left of a client's name is safe inside a key segment.
#include "upgate/api/file_name.hpp"

#include "upgate/text.hpp"

namespace upgate::api {
namespace {

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
  return text::is_alnum(c) || c == '.' || c == '_' || c == '-';
}

bool trimmed_edge(char c) {
  return c == '.' || c == '_' || c == '-';
}

std::string_view trim_edges(std::string_view s) {
  while (!s.empty() && trimmed_edge(s.front())) s.remove_prefix(1);
  while (!s.empty() && trimmed_edge(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<SanitizedName> sanitize_file_name(std::string_view raw) {
  const auto last_separator = raw.find_last_of("/\\");
  if (last_separator != std::string_view::npos) raw.remove_prefix(last_separator + 1);

  std::string cleaned;
  // The whole name is read (it is bounded by the request body), so a long name still
  // keeps the extension at its end.
  cleaned.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    char32_t cp = 0;
    const std::size_t len = text::decode_utf8(raw, i, cp);
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
    for (char c : candidate) alnum = alnum && text::is_alnum(c);
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
  base = trim_edges(text::utf8_prefix(base, room));
  if (base.empty()) return std::nullopt;
  out.name = std::string(base);
  if (!extension.empty()) {
    out.name += '.';
    out.name += extension;
    out.extension = text::lower(extension);
  }
  return out;
}

}  // namespace upgate::api
