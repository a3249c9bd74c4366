// Signing-key derivation and the thread-safe cache of derived keys.
#include "upgate/sigv4/signing_key.hpp"

#include <openssl/crypto.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace upgate::sigv4 {

std::string CredentialScope::to_string() const {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + 16);
  out.append(date).append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

namespace {

// kSigning, computed on the stack and wiped before returning: only its
// HMAC key schedule (inside SigningKey) outlives the derivation.
HmacKey derive(const SecretKey& secret, std::string_view date, std::string_view region,
               std::string_view service) {
  std::string seed;
  seed.reserve(4 + secret.reveal().size());
  seed.append("AWS4").append(secret.reveal());
  Sha256Digest k = HmacKey(seed).mac(date);
  seed.resize(seed.capacity());
  OPENSSL_cleanse(seed.data(), seed.size());
  k = HmacKey(std::span<const std::uint8_t>(k)).mac(region);
  k = HmacKey(std::span<const std::uint8_t>(k)).mac(service);
  k = HmacKey(std::span<const std::uint8_t>(k)).mac("aws4_request");
  HmacKey key{std::span<const std::uint8_t>(k)};
  OPENSSL_cleanse(k.data(), k.size());
  return key;
}

}  // namespace

SigningKey::SigningKey(const SecretKey& secret, std::string_view date, std::string_view region,
                       std::string_view service)
    : key_(derive(secret, date, region, service)) {}

std::string SigningKey::sign(std::string_view string_to_sign) const {
  std::string out;
  sign_into(string_to_sign, out);
  return out;
}

void SigningKey::sign_into(std::string_view string_to_sign, std::string& out_hex) const {
  const Sha256Digest mac = key_.mac(string_to_sign);
  append_hex(out_hex, mac);
}

// Keyed by SHA-256(secret) \0 date \0 region \0 service. The secret itself is
// never stored; a hash of a high-entropy key reveals nothing usable.
struct SigningKeyCache::Impl {
  struct Entry {
    std::shared_ptr<const SigningKey> key;
    std::uint64_t last_used = 0;
  };
  static constexpr std::size_t kMaxEntries = 1024;

  std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;
  std::uint64_t clock = 0;

  void evict_oldest() {
    auto oldest = entries.begin();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    if (oldest != entries.end()) entries.erase(oldest);
  }
};

SigningKeyCache::SigningKeyCache() : impl_(std::make_unique<Impl>()) {}
SigningKeyCache::~SigningKeyCache() = default;

std::shared_ptr<const SigningKey> SigningKeyCache::get(const SecretKey& secret,
                                                       std::string_view date,
                                                       std::string_view region,
                                                       std::string_view service) {
  // A reused per-thread buffer keeps the warm path free of allocations.
  thread_local std::string lookup;
  const Sha256Digest secret_hash = sha256(secret.reveal());
  lookup.clear();
  lookup.append(reinterpret_cast<const char*>(secret_hash.data()), secret_hash.size());
  lookup.push_back('\0');
  lookup.append(date).push_back('\0');
  lookup.append(region).push_back('\0');
  lookup.append(service);

  // A key is a pure function of the lookup key, so a per-thread memo of the
  // last one is always right, whichever cache it came from; it spares the
  // common case (one secret, one region, all day) the lock and the map.
  thread_local std::string memo_lookup;
  thread_local std::shared_ptr<const SigningKey> memo_key;
  if (memo_key && memo_lookup == lookup) return memo_key;

  {
    std::lock_guard lock(impl_->mutex);
    if (auto it = impl_->entries.find(lookup); it != impl_->entries.end()) {
      it->second.last_used = ++impl_->clock;
      memo_lookup = lookup;
      memo_key = it->second.key;
      return it->second.key;
    }
  }
  // Derive outside the lock: four HMACs should not stall other threads.
  auto key = std::make_shared<const SigningKey>(secret, date, region, service);
  std::lock_guard lock(impl_->mutex);
  if (impl_->entries.size() >= Impl::kMaxEntries) impl_->evict_oldest();
  auto [it, inserted] = impl_->entries.try_emplace(lookup, Impl::Entry{key, 0});
  it->second.last_used = ++impl_->clock;
  memo_lookup = lookup;
  memo_key = it->second.key;
  return it->second.key;
}

SigningKeyCache& SigningKeyCache::global() {
  static SigningKeyCache cache;
  return cache;
}

}  // namespace upgate::sigv4
