// SHA-256 and HMAC-SHA256 on OpenSSL's low-level SHA256_* API.
//
// The EVP interface allocates a context per call and cannot copy a
// half-absorbed state cheaply; the low-level API works on a plain struct we can
// copy, which is what lets HmacKey keep its pads pre-absorbed. Those functions
// are deprecated in OpenSSL 3 but remain part of its API (and dispatch to the
// same SHA-NI code), so the deprecation warnings are silenced in this file only.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "upgate/sigv4/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <new>

namespace upgate::sigv4 {

static_assert(sizeof(Sha256::State::bytes) == sizeof(SHA256_CTX),
              "Sha256::State must hold exactly an OpenSSL SHA256_CTX");
static_assert(alignof(Sha256::State) >= alignof(SHA256_CTX));

namespace {

SHA256_CTX* ctx(Sha256::State& s) {
  return reinterpret_cast<SHA256_CTX*>(s.bytes.data());
}

constexpr std::size_t kBlockSize = 64;

void init_padded(Sha256::State& state, const std::uint8_t* key_block, std::uint8_t pad) {
  std::uint8_t block[kBlockSize];
  for (std::size_t i = 0; i < kBlockSize; ++i) block[i] = key_block[i] ^ pad;
  SHA256_Init(new (state.bytes.data()) SHA256_CTX);
  SHA256_Update(ctx(state), block, kBlockSize);
  OPENSSL_cleanse(block, sizeof block);
}

void init_hmac(Sha256::State& inner, Sha256::State& outer, const std::uint8_t* key,
               std::size_t size) {
  // Keys longer than a block are hashed first (RFC 2104); shorter ones are zero-padded.
  std::uint8_t block[kBlockSize] = {};
  if (size > kBlockSize) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, key, size);
    SHA256_Final(block, &c);
  } else if (size > 0) {
    std::memcpy(block, key, size);
  }
  init_padded(inner, block, 0x36);
  init_padded(outer, block, 0x5c);
  OPENSSL_cleanse(block, sizeof block);
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
  // Not the one-shot SHA256(): in OpenSSL 3 it fetches the algorithm from the
  // provider on every call (locks, lookups), several times the cost of hashing
  // a short message.
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, data.data(), data.size());
  Sha256Digest out;
  SHA256_Final(out.data(), &c);
  return out;
}

Sha256::Sha256() {
  SHA256_Init(new (state_.bytes.data()) SHA256_CTX);
}

void Sha256::update(std::string_view data) {
  SHA256_Update(ctx(state_), data.data(), data.size());
}

void Sha256::update(std::span<const std::uint8_t> data) {
  SHA256_Update(ctx(state_), data.data(), data.size());
}

Sha256Digest Sha256::finish() {
  Sha256Digest out;
  SHA256_Final(out.data(), ctx(state_));
  return out;
}

HmacKey::HmacKey(std::string_view key) {
  init_hmac(inner_, outer_, reinterpret_cast<const std::uint8_t*>(key.data()), key.size());
}

HmacKey::HmacKey(std::span<const std::uint8_t> key) {
  init_hmac(inner_, outer_, key.data(), key.size());
}

Sha256Digest HmacKey::mac(std::string_view message) const {
  return mac_after(inner_, message);
}

Sha256::State HmacKey::inner_after(std::string_view first_block) const {
  Sha256::State state = inner_;
  SHA256_Update(ctx(state), first_block.data(), first_block.size());
  return state;
}

Sha256Digest HmacKey::mac_after(const Sha256::State& inner, std::string_view rest) const {
  // Copying the pre-absorbed states is the whole point: no key schedule per MAC.
  SHA256_CTX c;
  std::memcpy(&c, inner.bytes.data(), sizeof c);
  SHA256_Update(&c, rest.data(), rest.size());
  Sha256Digest inner_digest;
  SHA256_Final(inner_digest.data(), &c);
  std::memcpy(&c, outer_.bytes.data(), sizeof c);
  SHA256_Update(&c, inner_digest.data(), inner_digest.size());
  Sha256Digest out;
  SHA256_Final(out.data(), &c);
  return out;
}

namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode_bytes(const std::uint8_t* data, std::size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            std::uint32_t{data[i + 2]};
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  const std::size_t rest = size - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  return base64_encode_bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  return base64_encode_bytes(bytes.data(), bytes.size());
}

bool base64_decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 4 - padding) {
        v[j] = 0;
        continue;
      }
      v[j] = base64_value(c);
      if (v[j] < 0) {
        out.clear();
        return false;
      }
    }
    const std::uint32_t word = (std::uint32_t(v[0]) << 18) | (std::uint32_t(v[1]) << 12) |
                               (std::uint32_t(v[2]) << 6) | std::uint32_t(v[3]);
    out.push_back(static_cast<char>((word >> 16) & 0xff));
    if (!(last && padding == 2)) out.push_back(static_cast<char>((word >> 8) & 0xff));
    if (!(last && padding >= 1)) out.push_back(static_cast<char>(word & 0xff));
    // Canonical encodings only: the bits a padded group leaves over must be zero.
    if (last && padding == 2 && (word & 0xffff) != 0) {
      out.clear();
      return false;
    }
    if (last && padding == 1 && (word & 0xff) != 0) {
      out.clear();
      return false;
    }
  }
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace upgate::sigv4
