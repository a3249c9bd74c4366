// Limit keys built from parts, with client-controlled values escaped, and their stored form.
#include "upgate/limits/limit_key.hpp"

#include <upgate/sigv4/crypto.hpp>
#include <upgate/text.hpp>

#include <span>

namespace upgate::limits {
namespace {

bool needs_escape(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x21 || u > 0x7e || c == '%' || c == '|' || c == ':';
}

// Runs of bytes that need no escape are appended whole (keys are built on every limited
// request, and their values rarely need an escape at all).
void append_escaped(std::string& out, std::string_view value) {
  std::size_t plain = 0;  // where the pending run starts
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (!needs_escape(c)) continue;
    out.append(value.data() + plain, i - plain);
    plain = i + 1;
    const auto u = static_cast<unsigned char>(c);
    const char escaped[3] = {'%', text::kHexUpper[u >> 4], text::kHexUpper[u & 0x0f]};
    out.append(escaped, 3);
  }
  out.append(value.data() + plain, value.size() - plain);
}

}  // namespace

std::string make_limit_key(
    const std::vector<std::pair<std::string_view, std::string_view>>& parts) {
  std::string key;
  for (const auto& [name, value] : parts) append_limit_key_part(key, name, value);
  return key;
}

void append_limit_key_part(std::string& key, std::string_view name, std::string_view value) {
  if (!key.empty()) key += '|';
  key += name;
  key += ':';
  append_escaped(key, value);
}

std::string storage_key(std::string_view key) {
  if (key.size() <= kMaxStoredKeyBytes) return std::string(key);
  const sigv4::Sha256Digest digest = sigv4::sha256(key);
  std::string out(key.substr(0, 64));
  out += '#';
  text::append_hex_lower(out, std::span<const std::uint8_t>(digest.data(), 16));
  return out;
}

}  // namespace upgate::limits
