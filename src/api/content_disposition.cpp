// RFC 6266 Content-Disposition with an RFC 8187 UTF-8 filename*.
#include "upgate/api/content_disposition.hpp"

#include "upgate/api/active_content.hpp"
#include "upgate/api/file_name.hpp"
#include "upgate/sigv4/percent_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

// RFC 8187 attr-char: everything else is percent-encoded.
bool attr_char(unsigned char c) {
  if (text::is_alnum(static_cast<char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '&':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string content_disposition(Disposition disposition, std::string_view name) {
  if (disposition == Disposition::inline_) {
    const auto sanitized = sanitize_file_name(name);
    if (!sanitized || is_active_extension(sanitized->extension)) {
      disposition = Disposition::attachment;
    }
  }
  std::string out = disposition == Disposition::inline_ ? "inline" : "attachment";
  out += "; filename=\"";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 && u < 0xC0) continue;  // one '_' per character, not per byte
    out += (u < 0x20 || u >= 0x7F || c == '"' || c == '\\') ? '_' : c;
  }
  out += "\"; filename*=UTF-8''";
  sigv4::append_percent_encoded(out, name, attr_char);
  return out;
}

std::string_view file_name_from_key(std::string_view key) {
  const auto slash = key.rfind('/');
  std::string_view last = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (last.size() > 33 && last[32] == '-') {
    bool id = true;
    for (std::size_t i = 0; i < 32; ++i) {
      id = id && text::kHexLower.find(last[i]) != std::string_view::npos;
    }
    if (id) last.remove_prefix(33);
  }
  return last;
}

}  // namespace upgate::api
