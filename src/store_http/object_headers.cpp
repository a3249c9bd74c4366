// Object headers in and out, as S3 keeps them.
#include "object_headers.hpp"

#include <algorithm>
#include <array>

#include "upgate/http_token.hpp"
#include "upgate/s3/dates.hpp"
#include "upgate/s3/xml_responses.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace {

using s3::ErrorCode;

constexpr std::array<std::string_view, 7> kObjectAcls = {
    "private",       "public-read",       "public-read-write",        "authenticated-read",
    "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"};
constexpr std::array<std::string_view, 4> kBucketAcls = {"private", "public-read",
                                                         "public-read-write", "authenticated-read"};
constexpr std::array<std::string_view, 10> kStorageClasses = {
    "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER",  "DEEP_ARCHIVE",       "OUTPOSTS",    "GLACIER_IR", "EXPRESS_ONEZONE"};

// "aws-chunked" is framing of the request, never an encoding of the content. Without
// it the value is kept as sent, byte for byte, as S3 keeps it.
std::optional<std::string> content_encoding_without_aws_chunked(std::string_view value) {
  if (text::lower(value).find("aws-chunked") == std::string::npos) return std::string(value);
  std::string out;
  CommaList items(value);
  while (const auto item = items.next()) {
    if (item->empty() || text::lower(*item) == "aws-chunked") continue;
    if (!out.empty()) out += ",";
    out += *item;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// A metadata value as S3 returns it: as stored when it is printable ASCII, else its
// UTF-8 in one RFC 2047 encoded-word ("=?UTF-8?B?<base64>?="), so the header stays
// ASCII and SDKs that decode RFC 2047 read back the string that was stored.
std::string metadata_header_value(std::string_view value) {
  const bool ascii = std::all_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7F;
  });
  if (ascii) return std::string(value);
  return "=?UTF-8?B?" + sigv4::base64_encode(value) + "?=";
}

}  // namespace

Expected<std::string, s3::S3Error> canned_acl(const S3Request& r, bool for_bucket) {
  const auto value = r.header("x-amz-acl");
  if (!value) return std::string("private");
  const std::string acl(text::trim(*value));
  bool ok = false;
  if (for_bucket) {
    for (auto a : kBucketAcls) ok = ok || a == acl;
  } else {
    for (auto a : kObjectAcls) ok = ok || a == acl;
  }
  if (!ok) return Unexpected(s3::invalid_argument("", "x-amz-acl", acl).because("unknown ACL"));
  return acl;
}

Expected<void, s3::S3Error> check_storage_class(const S3Request& r) {
  const auto value = r.header("x-amz-storage-class");
  if (!value) return {};
  for (auto c : kStorageClasses) {
    if (c == text::trim(*value)) return {};
  }
  return Unexpected(s3::make_error(ErrorCode::InvalidStorageClass,
                                   "The storage class you specified is not valid"));
}

ObjectHeaders object_headers_from(const S3Request& r) {
  ObjectHeaders h;
  auto take = [&](std::string_view name) -> std::optional<std::string> {
    const auto v = r.header(name);
    if (!v) return std::nullopt;
    return std::string(*v);
  };
  h.content_type = take("content-type");
  h.content_disposition = take("content-disposition");
  if (const auto enc = r.header("content-encoding")) {
    h.content_encoding = content_encoding_without_aws_chunked(*enc);
  }
  h.content_language = take("content-language");
  h.cache_control = take("cache-control");
  h.expires = take("expires");
  return h;
}

UserMetadata user_metadata_from(const S3Request& r) {
  UserMetadata out;
  for (const auto& h : r.headers) {
    if (!text::istarts_with(h.name, "x-amz-meta-") || h.name.size() == 11) continue;
    const std::string name = text::lower(h.name.substr(11));
    bool merged = false;
    for (auto& [n, v] : out) {
      if (n == name) {
        v += ",";
        v += h.value;
        merged = true;
      }
    }
    if (!merged) out.emplace_back(name, std::string(h.value));
  }
  return out;
}

std::chrono::system_clock::time_point to_time_point(Timestamp t) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(t);
}

std::string http_date(Timestamp t) {
  return s3::format_http_date(std::chrono::floor<std::chrono::seconds>(t));
}

void add_checksum_headers(http::Response& out, const Checksums& checksums) {
  for (auto a : kAllChecksumAlgorithms) {
    if (const auto& v = checksums.get(a)) {
      out.add_header("x-amz-checksum-" + text::lower(checksum_algorithm_name(a)), *v);
    }
  }
}

s3::Checksums xml_checksums(const Checksums& checksums) {
  s3::Checksums out;
  out.crc32 = checksums.get(ChecksumAlgorithm::kCrc32);
  out.crc32c = checksums.get(ChecksumAlgorithm::kCrc32c);
  out.sha1 = checksums.get(ChecksumAlgorithm::kSha1);
  out.sha256 = checksums.get(ChecksumAlgorithm::kSha256);
  return out;
}

void add_object_headers(http::Response& out, const ObjectRecord& record, bool with_checksums) {
  out.set_header("ETag", s3::quote_etag(record.etag));
  out.set_header("Last-Modified", http_date(record.last_modified));
  out.set_header("Accept-Ranges", "bytes");
  out.set_header("Content-Type", record.headers.content_type.value_or("binary/octet-stream"));
  if (record.headers.content_disposition) {
    out.set_header("Content-Disposition", *record.headers.content_disposition);
  }
  if (record.headers.content_encoding) {
    out.set_header("Content-Encoding", *record.headers.content_encoding);
  }
  if (record.headers.content_language) {
    out.set_header("Content-Language", *record.headers.content_language);
  }
  if (record.headers.cache_control) out.set_header("Cache-Control", *record.headers.cache_control);
  if (record.headers.expires) out.set_header("Expires", *record.headers.expires);
  for (const auto& [name, value] : record.user_metadata) {
    out.add_header("x-amz-meta-" + name, metadata_header_value(value));
  }
  if (with_checksums) add_checksum_headers(out, record.checksums);
}

}  // namespace upgate::store
