// API keys: their shape, the keys file's lines, and constant-time lookup.
#include "upgate/auth/api_keys.hpp"

#include <boost/json/serialize.hpp>

#include "api_key_rules.hpp"
#include "upgate/auth/strict_json.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/base64url.hpp"
#include "upgate/text.hpp"

namespace upgate::auth {

namespace json = boost::json;

namespace {

constexpr std::size_t kSecretBase64Chars = 43;  // 32 bytes
constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kMaxKeys = 10000;

std::string_view view(const json::string& s) {
  return {s.data(), s.size()};
}

Expected<ApiKeyRecord, std::string> parse_record(const json::object& line) {
  ApiKeyRecord record;
  for (const auto& [name, value] : line) {
    if (name != "id" && name != "principal" && name != "profiles" && name != "created" &&
        name != "sha256") {
      return Unexpected("unknown member \"" + std::string(name.data(), name.size()) +
                        "\" (id, principal, profiles, created, sha256 are known)");
    }
  }
  const auto string_field = [&line](std::string_view name) -> const json::string* {
    const json::value* v = line.if_contains(name);
    return v && v->is_string() ? &v->get_string() : nullptr;
  };
  const json::string* id = string_field("id");
  if (!id || !valid_key_id(view(*id)))
    return Unexpected(std::string("\"id\" is missing or not k_ and 12 hex digits"));
  record.id.assign(view(*id));
  const json::string* principal = string_field("principal");
  if (!principal || !valid_principal_name(view(*principal))) {
    return Unexpected(std::string(
        "\"principal\" is missing, empty, longer than 256 bytes or has control characters"));
  }
  record.principal.assign(view(*principal));
  const json::value* profiles = line.if_contains("profiles");
  if (!profiles || !profiles->is_array() || profiles->get_array().empty()) {
    return Unexpected(std::string("\"profiles\" is missing or not a non-empty list"));
  }
  for (const json::value& p : profiles->get_array()) {
    if (!p.is_string() || !valid_profile_name(view(p.get_string()))) {
      return Unexpected(std::string("\"profiles\" holds a name that is not a profile name"));
    }
    record.profiles.emplace_back(view(p.get_string()));
  }
  if (auto problem = profile_list_problem(record.profiles)) return Unexpected(std::move(*problem));
  const json::string* created = string_field("created");
  const auto when = created ? sigv4::parse_iso8601(view(*created)) : std::nullopt;
  if (!when) return Unexpected(std::string("\"created\" is missing or not an ISO 8601 UTC time"));
  record.created = *when;
  const json::string* hash = string_field("sha256");
  if (!hash || hash->size() != 64) {
    return Unexpected(std::string("\"sha256\" is missing or not 64 hex digits"));
  }
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = text::hex_value((*hash)[2 * i]);
    const int lo = text::hex_value((*hash)[2 * i + 1]);
    if (hi < 0 || lo < 0) return Unexpected(std::string("\"sha256\" is not 64 hex digits"));
    record.sha256[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return record;
}

}  // namespace

bool is_api_key_format(std::string_view text) noexcept {
  if (text.size() != kApiKeyPrefix.size() + kSecretBase64Chars ||
      !text.starts_with(kApiKeyPrefix)) {
    return false;
  }
  // 43 characters carry 258 bits; the last one's 2 spare bits must be zero (canonical).
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = kApiKeyPrefix.size(); i < text.size(); ++i) {
    const std::size_t v = kAlphabet.find(text[i]);
    if (v == std::string_view::npos) return false;
    if (i + 1 == text.size() && (v & 0x03) != 0) return false;
  }
  return true;
}

bool ApiKeyRecord::allows_profile(std::string_view profile) const noexcept {
  for (const std::string& p : profiles) {
    if (p == "*" || p == profile) return true;
  }
  return false;
}

Expected<ApiKeyStore, std::string> ApiKeyStore::parse(std::string_view text) {
  ApiKeyStore store;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    const std::string where = "line " + std::to_string(line_number) + ": ";
    line = text::trim_space(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.size() > kMaxLineBytes) {
      return Unexpected(where + "longer than " + std::to_string(kMaxLineBytes) + " bytes");
    }
    auto doc = parse_strict_json(line, JsonLimits{kMaxLineBytes, 4});
    if (!doc) return Unexpected(where + "the line is " + doc.error());
    if (!doc->is_object()) return Unexpected(where + "not a JSON object");
    auto record = parse_record(doc->get_object());
    if (!record) return Unexpected(where + record.error());
    for (const ApiKeyRecord& other : store.records_) {
      if (other.id == record->id)
        return Unexpected(where + "the id " + record->id + " is used twice");
      if (other.sha256 == record->sha256)
        return Unexpected(where + "the key of " + other.id + " again");
    }
    if (store.records_.size() == kMaxKeys) {
      return Unexpected(where + "more than " + std::to_string(kMaxKeys) + " keys");
    }
    store.records_.push_back(std::move(*record));
  }
  store.principals_.reserve(store.records_.size());
  for (const ApiKeyRecord& r : store.records_) {
    auto principal = std::make_shared<Principal>();
    principal->id = r.principal;
    principal->mode = AuthMode::kApiKey;
    principal->claims["api_key_id"] = r.id;
    json::array profiles;
    for (const std::string& p : r.profiles) profiles.emplace_back(p);
    principal->claims["profiles"] = std::move(profiles);
    store.principals_.push_back(std::move(principal));
  }
  return store;
}

Expected<ApiKeyStore, std::string> ApiKeyStore::load(const std::filesystem::path& keys_file) {
  auto text = read_keys_file(keys_file, /*refuse_loose_mode=*/true);
  if (!text) return Unexpected(std::move(text).error());
  if (!text->has_value()) {
    return Unexpected(keys_file.string() + " does not exist (upgate apikey create makes it)");
  }
  auto store = parse(**text);
  if (!store) return Unexpected(keys_file.string() + ", " + store.error());
  return store;
}

AuthResult ApiKeyStore::authenticate(std::string_view presented,
                                     std::optional<std::string_view> profile) const {
  if (!is_api_key_format(presented)) return Unexpected(refusal(AuthCheck::kUnknownApiKey));
  const sigv4::Sha256Digest digest = sigv4::sha256(presented);
  const std::string_view wanted(reinterpret_cast<const char*>(digest.data()), digest.size());
  std::size_t match = records_.size();
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const std::string_view stored(reinterpret_cast<const char*>(records_[i].sha256.data()),
                                  records_[i].sha256.size());
    // Every record is compared, each in constant time; the last match would win, and
    // parse() refuses two records with one hash.
    const bool equal = sigv4::constant_time_equal(stored, wanted);
    match = equal ? i : match;
  }
  if (match == records_.size()) return Unexpected(refusal(AuthCheck::kUnknownApiKey));
  if (profile && !records_[match].allows_profile(*profile)) {
    return Unexpected(refusal(AuthCheck::kProfileNotAllowed));
  }
  return principals_[match];
}

}  // namespace upgate::auth
