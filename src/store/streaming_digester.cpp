#include "streaming_digester.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <stdexcept>
#include <vector>

#include "crc32c.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::store {
namespace {

struct EvpDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpContext = std::unique_ptr<EVP_MD_CTX, EvpDeleter>;

EvpContext start(const EVP_MD* md) {
  EvpContext ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
    throw std::runtime_error("OpenSSL digest initialisation failed");
  return ctx;
}

void feed(const EvpContext& ctx, std::span<const std::byte> data) {
  if (EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1)
    throw std::runtime_error("OpenSSL digest update failed");
}

std::vector<std::uint8_t> end(const EvpContext& ctx) {
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &n) != 1)
    throw std::runtime_error("OpenSSL digest finalisation failed");
  out.resize(n);
  return out;
}

std::string base64_be32(std::uint32_t v) {
  std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                       static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  return sigv4::base64_encode(b);
}

}  // namespace

std::string Digests::md5_hex() const {
  return text::hex_lower(md5);
}
std::string Digests::md5_base64() const {
  return sigv4::base64_encode(md5);
}

struct StreamingDigester::State {
  ChecksumSet wanted;
  EvpContext md5 = start(EVP_md5());
  EvpContext sha1;
  EvpContext sha256;
  uLong crc32 = 0;
  std::uint32_t crc32c = 0;
  bool finished = false;
};

StreamingDigester::StreamingDigester(ChecksumSet checksums) : state_(std::make_unique<State>()) {
  state_->wanted = checksums;
  state_->crc32 = ::crc32(0L, Z_NULL, 0);
  if (checksums.contains(ChecksumAlgorithm::kSha1)) state_->sha1 = start(EVP_sha1());
  if (checksums.contains(ChecksumAlgorithm::kSha256)) state_->sha256 = start(EVP_sha256());
}

StreamingDigester::~StreamingDigester() = default;
StreamingDigester::StreamingDigester(StreamingDigester&&) noexcept = default;
StreamingDigester& StreamingDigester::operator=(StreamingDigester&&) noexcept = default;

void StreamingDigester::update(std::span<const std::byte> data) {
  State& s = *state_;
  if (s.finished) throw std::logic_error("StreamingDigester::update after finish");
  feed(s.md5, data);
  if (s.sha1) feed(s.sha1, data);
  if (s.sha256) feed(s.sha256, data);
  if (s.wanted.contains(ChecksumAlgorithm::kCrc32)) {
    s.crc32 = ::crc32_z(s.crc32, reinterpret_cast<const Bytef*>(data.data()), data.size());
  }
  if (s.wanted.contains(ChecksumAlgorithm::kCrc32c)) s.crc32c = crc32c_extend(s.crc32c, data);
}

Digests StreamingDigester::finish() {
  State& s = *state_;
  if (s.finished) throw std::logic_error("StreamingDigester::finish called twice");
  s.finished = true;
  Digests d;
  auto md5 = end(s.md5);
  std::copy(md5.begin(), md5.end(), d.md5.begin());
  if (s.sha1) d.checksums.set(ChecksumAlgorithm::kSha1, sigv4::base64_encode(end(s.sha1)));
  if (s.sha256) d.checksums.set(ChecksumAlgorithm::kSha256, sigv4::base64_encode(end(s.sha256)));
  if (s.wanted.contains(ChecksumAlgorithm::kCrc32))
    d.checksums.set(ChecksumAlgorithm::kCrc32, base64_be32(static_cast<std::uint32_t>(s.crc32)));
  if (s.wanted.contains(ChecksumAlgorithm::kCrc32c))
    d.checksums.set(ChecksumAlgorithm::kCrc32c, base64_be32(s.crc32c));
  return d;
}

}  // namespace upgate::store
