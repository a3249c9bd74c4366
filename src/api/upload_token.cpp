#include "upgate/api/upload_token.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "upgate/enum_names.hpp"
#include "upgate/sigv4/base64url.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

constexpr std::uint8_t kPayloadVersion = 1;

std::string_view prefix_of(TokenPurpose purpose) {
  return purpose == TokenPurpose::kSession ? "us1." : "ut1.";
}

// Domain separation: a MAC made for anything else under the same secret never verifies.
std::string_view mac_context_of(TokenPurpose purpose) {
  return purpose == TokenPurpose::kSession ? "upgate session token v1\n"
                                           : "upgate upload token v1\n";
}
constexpr std::size_t kMacBytes = 32;

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_field(std::string& out, std::string_view field) {
  put_varint(out, field.size());
  out.append(field);
}

// Reads the payload written by encode(); every length is checked against what is left.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view data) : data_(data) {}

  std::optional<std::uint64_t> varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (data_.empty()) return std::nullopt;
      const auto byte = static_cast<std::uint8_t>(data_.front());
      data_.remove_prefix(1);
      if (shift == 63 && byte > 1) return std::nullopt;  // more than 64 bits
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        if (byte == 0 && shift != 0) return std::nullopt;  // not the shortest spelling
        return value;
      }
    }
    return std::nullopt;
  }

  bool field(std::string& out, std::size_t max_bytes) {
    const auto length = varint();
    if (!length || *length > max_bytes || *length > data_.size()) return false;
    out.assign(data_.substr(0, static_cast<std::size_t>(*length)));
    data_.remove_prefix(static_cast<std::size_t>(*length));
    return true;
  }

  bool at_end() const { return data_.empty(); }

 private:
  std::string_view data_;
};

std::string encode(const UploadClaims& claims) {
  std::string out;
  out.reserve(32 + claims.key.size() + claims.upload_id.size() + claims.principal.size() +
              claims.profile.size() + claims.content_type.size() + claims.checksum.size());
  out.push_back(static_cast<char>(kPayloadVersion));
  put_varint(out, static_cast<std::uint64_t>(claims.expires_at.time_since_epoch().count()));
  put_varint(out, claims.size);
  put_field(out, claims.key);
  put_field(out, claims.upload_id);
  put_field(out, claims.principal);
  put_field(out, claims.profile);
  put_field(out, claims.content_type);
  put_field(out, claims.checksum);
  return out;
}

std::optional<UploadClaims> decode(std::string_view payload) {
  if (payload.empty() || static_cast<std::uint8_t>(payload.front()) != kPayloadVersion) {
    return std::nullopt;
  }
  PayloadReader in(payload.substr(1));
  UploadClaims claims;
  const auto expires = in.varint();
  const auto size = in.varint();
  if (!expires || !size || *expires > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  claims.expires_at = std::chrono::sys_seconds(std::chrono::seconds(*expires));
  claims.size = *size;
  using S = UploadTokenSigner;
  if (!in.field(claims.key, S::kMaxKeyBytes) || !in.field(claims.upload_id, S::kMaxFieldBytes) ||
      !in.field(claims.principal, S::kMaxFieldBytes) ||
      !in.field(claims.profile, S::kMaxFieldBytes) ||
      !in.field(claims.content_type, S::kMaxFieldBytes) ||
      !in.field(claims.checksum, S::kMaxFieldBytes) || !in.at_end()) {
    return std::nullopt;
  }
  return claims;
}

std::string mac_input(TokenPurpose purpose, std::string_view payload) {
  const std::string_view context = mac_context_of(purpose);
  std::string input;
  input.reserve(context.size() + payload.size());
  input.append(context).append(payload);
  return input;
}

bool is_base64url_char(char c) {
  return text::is_alnum(c) || c == '-' || c == '_';
}

}  // namespace

constexpr std::string_view kTokenRefusalNames[] = {
    "missing",      "malformed",      "bad_signature", "expired", "principal_mismatch",
    "key_mismatch", "upload_mismatch"};
static_assert(names_through(kTokenRefusalNames, TokenRefusal::kUploadMismatch));

std::string_view to_string(TokenRefusal refusal) noexcept {
  return name_at(kTokenRefusalNames, refusal, "unknown");
}

Expected<UploadTokenSigner, std::string> UploadTokenSigner::create(
    std::vector<std::string> secrets) {
  if (secrets.empty()) return Unexpected(std::string("no upload token secret"));
  std::vector<sigv4::HmacKey> keys;
  keys.reserve(secrets.size());
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    if (secrets[i].size() < kMinSecretBytes) {
      const auto position = std::to_string(i + 1);
      for (auto& s : secrets) OPENSSL_cleanse(s.data(), s.size());
      return Unexpected("upload token secret " + position + " is shorter than " +
                        std::to_string(kMinSecretBytes) + " bytes");
    }
    keys.emplace_back(secrets[i]);
  }
  for (auto& s : secrets) OPENSSL_cleanse(s.data(), s.size());
  return UploadTokenSigner(std::move(keys));
}

Expected<UploadTokenSigner, std::string> UploadTokenSigner::from_environment(
    const config::Environment& environment, std::string_view variable) {
  auto value = environment.get(variable);
  if (!value) return Unexpected(std::string(variable) + " is not set");
  std::vector<std::string> secrets;
  std::string_view rest = *value;
  while (!rest.empty()) {
    std::size_t start = 0;
    while (start < rest.size() && text::is_space(rest[start])) ++start;
    std::size_t end = start;
    while (end < rest.size() && !text::is_space(rest[end])) ++end;
    if (end > start) secrets.emplace_back(rest.substr(start, end - start));
    rest.remove_prefix(end);
  }
  OPENSSL_cleanse(value->data(), value->size());
  auto signer = create(std::move(secrets));
  if (!signer) return Unexpected(std::string(variable) + ": " + signer.error());
  return signer;
}

UploadTokenSigner UploadTokenSigner::ephemeral() {
  std::array<std::uint8_t, 32> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    throw std::runtime_error("no random bytes for the upload token secret");
  }
  std::vector<sigv4::HmacKey> keys;
  keys.emplace_back(std::span<const std::uint8_t>(secret));
  OPENSSL_cleanse(secret.data(), secret.size());
  return UploadTokenSigner(std::move(keys));
}

Expected<std::string, std::string> UploadTokenSigner::sign(const UploadClaims& claims,
                                                           TokenPurpose purpose) const {
  if (claims.key.size() > kMaxKeyBytes) return Unexpected(std::string("key too long for a token"));
  for (const std::string* field : {&claims.upload_id, &claims.principal, &claims.profile,
                                   &claims.content_type, &claims.checksum}) {
    if (field->size() > kMaxFieldBytes) {
      return Unexpected(std::string("a token field is longer than ") +
                        std::to_string(kMaxFieldBytes) + " bytes");
    }
  }
  if (claims.expires_at.time_since_epoch().count() < 0) {
    return Unexpected(std::string("token expiry before 1970"));
  }
  const std::string payload = encode(claims);
  const auto mac = keys_.front().mac(mac_input(purpose, payload));
  std::string token(prefix_of(purpose));
  token += sigv4::base64url_encode(payload);
  token += '.';
  token += sigv4::base64url_encode(std::span<const std::uint8_t>(mac));
  if (token.size() > kMaxTokenLength) return Unexpected(std::string("token too long"));
  return token;
}

Expected<UploadClaims, TokenRefusal> UploadTokenSigner::verify(std::string_view token,
                                                               std::chrono::sys_seconds now,
                                                               TokenPurpose purpose) const {
  if (token.empty()) return Unexpected(TokenRefusal::kMissing);
  const std::string_view prefix = prefix_of(purpose);
  if (token.size() > kMaxTokenLength || !token.starts_with(prefix)) {
    return Unexpected(TokenRefusal::kMalformed);
  }
  token.remove_prefix(prefix.size());
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return Unexpected(TokenRefusal::kMalformed);
  const auto payload_text = token.substr(0, dot);
  const auto mac_text = token.substr(dot + 1);
  for (char c : mac_text) {
    if (!is_base64url_char(c)) return Unexpected(TokenRefusal::kMalformed);
  }
  auto payload = sigv4::base64url_decode(payload_text);
  if (!payload || payload->empty()) return Unexpected(TokenRefusal::kMalformed);
  auto presented = sigv4::base64url_decode(mac_text);
  // A well-formed token whose MAC was cut short or padded out is an altered token.
  if (!presented || presented->size() != kMacBytes) {
    return Unexpected(TokenRefusal::kBadSignature);
  }
  const std::string input = mac_input(purpose, *payload);
  bool intact = false;
  for (const auto& key : keys_) {
    const auto expected = key.mac(input);
    // Every secret is tried, whichever matches, so timing does not tell which one did.
    intact |= sigv4::constant_time_equal(
        std::string_view(reinterpret_cast<const char*>(expected.data()), expected.size()),
        *presented);
  }
  if (!intact) return Unexpected(TokenRefusal::kBadSignature);
  auto claims = decode(*payload);
  if (!claims) return Unexpected(TokenRefusal::kMalformed);
  if (now >= claims->expires_at) return Unexpected(TokenRefusal::kExpired);
  return std::move(*claims);
}

Expected<UploadClaims, TokenRefusal> UploadTokenSigner::verify_for(
    std::string_view token, std::chrono::sys_seconds now, const TokenBinding& binding) const {
  auto claims = verify(token, now);
  if (!claims) return claims;
  if (claims->principal != binding.principal) {
    return Unexpected(TokenRefusal::kPrincipalMismatch);
  }
  if (binding.key && claims->key != *binding.key) return Unexpected(TokenRefusal::kKeyMismatch);
  if (binding.upload_id && claims->upload_id != *binding.upload_id) {
    return Unexpected(TokenRefusal::kUploadMismatch);
  }
  return claims;
}

}  // namespace upgate::api
