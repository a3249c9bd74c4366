// Limit keys: whose limit a check counts against, as one string.
//
// make_limit_key({{"profile", "avatars"}, {"principal", "alice"}}) is
// "profile:avatars|principal:alice", and make_limit_key({{"ip", "203.0.113.9"}}) is
// "ip:203.0.113.9": pass the parts that apply, in a fixed order per kind of key.
//
// Values are client-controlled (a principal id, an address), so '%', '|', ':' and bytes
// outside printable ASCII are percent-encoded: no value can forge another part, and
// "principal:a|ip:b" can only come from those two parts. Names are the caller's constants.
//
// storage_key() is what the backends store: keys up to 128 bytes as they are, longer ones
// as their first 64 bytes, '#', and 32 hex digits of their SHA-256 (memory stays bounded
// per key and Redis keys stay short; a collision needs a SHA-256 prefix collision).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace upgate::limits {

std::string make_limit_key(const std::vector<std::pair<std::string_view, std::string_view>>& parts);
// One part of a key appended to `key` (after a '|' when `key` is not empty): what
// make_limit_key() does per part, for keys built on every request without a list.
void append_limit_key_part(std::string& key, std::string_view name, std::string_view value);

inline constexpr std::size_t kMaxStoredKeyBytes = 128;
std::string storage_key(std::string_view key);

}  // namespace upgate::limits
