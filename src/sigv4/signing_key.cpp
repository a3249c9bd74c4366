// Signing-key derivation and the thread-safe cache of derived keys.
#include "upgate/sigv4/signing_key.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "string_writer.hpp"

namespace upgate::sigv4 {

void append_credential_scope(std::string& out, std::string_view date, std::string_view region,
                             std::string_view service) {
  constexpr std::string_view kTerminator = "/aws4_request";
  StringWriter scope(out, date.size() + region.size() + service.size() + 2 + kTerminator.size());
  scope.put(date);
  scope.put('/');
  scope.put(region);
  scope.put('/');
  scope.put(service);
  scope.put(kTerminator);
}

std::string CredentialScope::to_string() const {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + 16);
  append_credential_scope(out, date, region, service);
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
    : key_(derive(secret, date, region, service)) {
  static std::atomic<std::uint64_t> next_id{1};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
}

std::string SigningKey::sign(std::string_view string_to_sign) const {
  std::string out;
  sign_into(string_to_sign, out);
  return out;
}

void SigningKey::sign_into(std::string_view string_to_sign, std::string& out_hex) const {
  // A string to sign begins with a 64-byte block that stays the same for a
  // second or more (algorithm, X-Amz-Date, most of the scope). Each thread
  // keeps the HMAC's inner state after the last such block and the key it
  // belongs to, which spares one of the four SHA-256 blocks a presign's
  // signature costs.
  struct FirstBlock {
    std::uint64_t key_id = 0;
    std::array<char, 64> block{};
    Sha256::State inner;
  };
  thread_local FirstBlock memo;
  Sha256Digest mac;
  if (string_to_sign.size() < memo.block.size()) {
    mac = key_.mac(string_to_sign);
  } else {
    const std::string_view first = string_to_sign.substr(0, memo.block.size());
    if (memo.key_id != id_ || first != std::string_view(memo.block.data(), memo.block.size())) {
      memo.key_id = id_;
      std::copy(first.begin(), first.end(), memo.block.begin());
      memo.inner = key_.inner_after(first);
    }
    mac = key_.mac_after(memo.inner, string_to_sign.substr(memo.block.size()));
  }
  StringWriter(out_hex, 2 * mac.size()).put_hex(mac);
}

// Keyed by the secret's fingerprint, date, region and service.
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
  // A key is a pure function of (secret, date, region, service), so a per-thread
  // memo of the last one is always right, whichever cache it came from; it spares
  // the common case (one secret, one region, all day) the lock, the map and any
  // hashing: the secret's fingerprint was computed when the secret was set.
  struct Memo {
    Sha256Digest fingerprint{};
    std::string date, region, service;
    std::shared_ptr<const SigningKey> key;
  };
  thread_local Memo memo;
  if (memo.key && memo.fingerprint == secret.fingerprint() && memo.date == date &&
      memo.region == region && memo.service == service) {
    return memo.key;
  }

  // Keyed by fingerprint \0 date \0 region \0 service.
  std::string lookup(reinterpret_cast<const char*>(secret.fingerprint().data()),
                     secret.fingerprint().size());
  lookup.push_back('\0');
  lookup.append(date).push_back('\0');
  lookup.append(region).push_back('\0');
  lookup.append(service);
  const auto remember = [&](std::shared_ptr<const SigningKey> key) {
    memo.fingerprint = secret.fingerprint();
    memo.date.assign(date);
    memo.region.assign(region);
    memo.service.assign(service);
    memo.key = std::move(key);
    return memo.key;
  };

  {
    std::lock_guard lock(impl_->mutex);
    if (auto it = impl_->entries.find(lookup); it != impl_->entries.end()) {
      it->second.last_used = ++impl_->clock;
      return remember(it->second.key);
    }
  }
  // Derive outside the lock: four HMACs should not stall other threads.
  auto key = std::make_shared<const SigningKey>(secret, date, region, service);
  std::lock_guard lock(impl_->mutex);
  if (impl_->entries.size() >= Impl::kMaxEntries) impl_->evict_oldest();
  auto [it, inserted] = impl_->entries.try_emplace(lookup, Impl::Entry{key, 0});
  it->second.last_used = ++impl_->clock;
  return remember(it->second.key);
}

SigningKeyCache& SigningKeyCache::global() {
  static SigningKeyCache cache;
  return cache;
}

}  // namespace upgate::sigv4
