#include "object_store_internal.hpp"

#include <sys/random.h>

#include <array>
#include <chrono>
#include <set>

#include "limits.hpp"
#include "upgate/s3/conditions.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/sigv4/base64url.hpp"
#include "upgate/text.hpp"

namespace upgate::store::detail {
namespace {
// Tokens carry a version byte so their format can change without misreading old ones.
constexpr char kTokenVersion = 1;
}  // namespace

std::optional<std::string> prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

std::string encode_continuation_token(std::string_view last_entry) {
  std::string raw(1, kTokenVersion);
  raw += last_entry;
  return sigv4::base64url_encode(raw);
}

std::optional<std::string> decode_continuation_token(std::string_view token) {
  if (token.empty() || token.size() > 4 * (s3::kMaxKeyBytes + 1) / 3 + 4) return std::nullopt;
  auto raw = sigv4::base64url_decode(token);
  if (!raw || raw->empty() || (*raw)[0] != kTokenVersion) return std::nullopt;
  return std::string(raw->begin() + 1, raw->end());
}

std::string_view strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

std::string make_upload_id() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::array<std::uint8_t, 8> time;
  for (int i = 0; i < 8; ++i) time[i] = static_cast<std::uint8_t>(ns >> (56 - 8 * i));
  std::array<std::uint8_t, 12> random;
  std::size_t got = 0;
  while (got < random.size()) {
    ssize_t n = ::getrandom(random.data() + got, random.size() - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  return text::hex_lower(time) + text::hex_lower(random);
}

StoreError no_such_bucket() {
  return {StoreErrc::kNoSuchBucket, "The specified bucket does not exist"};
}
StoreError no_such_key() {
  return {StoreErrc::kNoSuchKey, "The specified key does not exist."};
}
StoreError no_such_upload() {
  return {StoreErrc::kNoSuchUpload,
          "The specified upload does not exist. The upload ID may be invalid, or the upload may "
          "have been aborted or completed."};
}

Expected<void, StoreError> check_user_metadata(const UserMetadata& metadata) {
  if (user_metadata_size(metadata) > kMaxUserMetadataBytes) {
    return Unexpected(StoreError{StoreErrc::kMetadataTooLarge,
                                 "Your metadata headers exceed the maximum allowed metadata size"});
  }
  return {};
}

Expected<std::vector<BlobId>, StoreError> replace_existing(
    MetadataDb::Txn& txn, std::string_view bucket, std::string_view key, bool if_none_match_star,
    const std::optional<std::string>& if_match) {
  std::vector<BlobId> dropped;
  auto existing = txn.find_object(bucket, key);
  if (!existing) {
    if (if_match) return Unexpected(no_such_key());
    return dropped;
  }
  if (if_none_match_star ||
      (if_match && !s3::etag_list_matches(*if_match, existing->etag, false))) {
    return Unexpected(StoreError{StoreErrc::kPreconditionFailed,
                                 "At least one of the pre-conditions you specified did not hold"});
  }
  txn.delete_object(existing->generation);
  for (const auto& s : existing->segments) dropped.push_back(s.blob);
  return dropped;
}

std::vector<BlobId> unreferenced(MetadataDb::Txn& txn, const std::vector<BlobId>& candidates) {
  std::set<BlobId> unique(candidates.begin(), candidates.end());
  std::vector<BlobId> out;
  for (const auto& blob : unique) {
    if (!txn.blob_referenced(blob)) out.push_back(blob);
  }
  return out;
}

}  // namespace upgate::store::detail
