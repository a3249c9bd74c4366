// Key sets: selection by kid and algorithm, JWK Set documents, files and shared secrets.
#include "upgate/auth/key_set.hpp"

#include <openssl/crypto.h>

#include "bounded_file.hpp"
#include "upgate/auth/strict_json.hpp"

namespace upgate::auth {

namespace json = boost::json;

KeySet KeySet::merged_with(const KeySet& more) const {
  std::vector<KeyPtr> all = keys_;
  all.insert(all.end(), more.keys_.begin(), more.keys_.end());
  return KeySet(std::move(all));
}

KeySelection KeySet::select(std::optional<std::string_view> kid, JwsAlgorithm alg) const {
  KeySelection out;
  if (kid) {
    bool named = false;
    for (const KeyPtr& key : keys_) {
      if (!key->kid() || *key->kid() != *kid) continue;
      named = true;
      if (key->usable_with(alg)) out.keys.push_back(key);
    }
    out.outcome = out.keys.empty() ? (named ? KeySelection::Outcome::kWrongFamily
                                            : KeySelection::Outcome::kUnknownKid)
                                   : KeySelection::Outcome::kFound;
    return out;
  }
  for (const KeyPtr& key : keys_) {
    if (key->usable_with(alg)) out.keys.push_back(key);
  }
  if (out.keys.size() == 1) {
    out.outcome = KeySelection::Outcome::kFound;
  } else {
    out.outcome =
        out.keys.empty() ? KeySelection::Outcome::kNoCandidate : KeySelection::Outcome::kAmbiguous;
    out.keys.clear();
  }
  return out;
}

namespace {

// A kid for a message: only when it is short printable ASCII without quotes, so a hostile
// set cannot write into log lines through it.
std::string describe_key(std::size_t index, const json::value& entry) {
  std::string out = "key " + std::to_string(index);
  if (!entry.is_object()) return out;
  const json::value* kid = entry.get_object().if_contains("kid");
  if (!kid || !kid->is_string()) return out;
  const json::string& s = kid->get_string();
  if (s.size() > 64) return out;
  for (const char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return out;
  }
  return out + " (kid \"" + std::string(s.data(), s.size()) + "\")";
}

}  // namespace

Expected<ParsedJwks, std::string> parse_jwks(std::string_view text, const JwkImport& import,
                                             const JwksLimits& limits) {
  auto doc = parse_strict_json(text, JsonLimits{limits.max_bytes, 8});
  if (!doc) return Unexpected("the JWK Set is " + doc.error());
  if (!doc->is_object()) return Unexpected(std::string("the JWK Set is not a JSON object"));
  const json::value* keys = doc->get_object().if_contains("keys");
  if (!keys || !keys->is_array()) {
    return Unexpected(std::string("the JWK Set has no \"keys\" array"));
  }
  const json::array& entries = keys->get_array();
  if (entries.size() > limits.max_keys) {
    return Unexpected("the JWK Set holds " + std::to_string(entries.size()) + " keys; at most " +
                      std::to_string(limits.max_keys) + " are accepted");
  }
  ParsedJwks out;
  std::vector<KeyPtr> usable;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json::value& entry = entries[i];
    if (!entry.is_object()) {
      out.rejected.push_back(describe_key(i, entry) + ": not a JSON object");
      continue;
    }
    auto key = VerificationKey::from_jwk(entry.get_object(), import);
    if (!key) {
      out.rejected.push_back(describe_key(i, entry) + ": " + key.error());
      continue;
    }
    usable.push_back(std::make_shared<const VerificationKey>(std::move(*key)));
  }
  out.keys = KeySet(std::move(usable));
  return out;
}

Expected<ParsedJwks, std::string> load_jwks_file(const std::filesystem::path& path,
                                                 const JwksLimits& limits) {
  auto file = read_bounded_file(path, limits.max_bytes);
  if (!file) return Unexpected(std::move(file).error());
  if (!*file) return Unexpected("cannot open " + path.string() + ": it does not exist");
  auto parsed = parse_jwks((*file)->text, JwkImport{.allow_symmetric = true}, limits);
  OPENSSL_cleanse((*file)->text.data(), (*file)->text.size());  // it may hold shared secrets
  if (!parsed) return Unexpected(path.string() + ": " + parsed.error());
  return parsed;
}

Expected<VerificationKey, std::string> shared_secret_from_env(const config::Environment& env,
                                                              std::string_view variable,
                                                              std::optional<std::string> kid) {
  std::optional<std::string> secret = env.get(variable);
  if (!secret)
    return Unexpected("the environment variable " + std::string(variable) + " is not set");
  auto key = VerificationKey::from_shared_secret(*secret, std::move(kid));
  OPENSSL_cleanse(secret->data(), secret->size());
  if (!key) return Unexpected("the secret in " + std::string(variable) + ": " + key.error());
  return key;
}

}  // namespace upgate::auth
