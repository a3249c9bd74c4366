#include "request_integrity.hpp"

#include <cstddef>
#include <span>
#include <string>

#include "store/streaming_digester.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace {

using s3::ErrorCode;

constexpr std::string_view kChecksumPrefix = "x-amz-checksum-";

bool names_checksum_value(std::string_view header_name) {
  if (!text::istarts_with(header_name, kChecksumPrefix)) return false;
  const std::string_view suffix = header_name.substr(kChecksumPrefix.size());
  return !text::iequals(suffix, "algorithm") && !text::iequals(suffix, "type") &&
         !text::iequals(suffix, "mode");
}

// x-amz-trailer is a comma-separated list of field names.
bool trailer_names_checksum(std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (names_checksum_value(text::trim(list.substr(0, comma)))) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::string type_name(std::optional<ChecksumAlgorithm> algorithm) {
  return algorithm ? text::lower(checksum_algorithm_name(*algorithm)) : "null";
}

}  // namespace

IntegrityHeaders integrity_headers(std::span<const sigv4::HeaderView> headers) {
  IntegrityHeaders out;
  for (const auto& h : headers) {
    if (text::iequals(h.name, "content-md5")) {
      out.content_md5 = true;
    } else if (text::iequals(h.name, "x-amz-sdk-checksum-algorithm")) {
      out.sdk_algorithm = true;
    } else if (text::iequals(h.name, "x-amz-trailer")) {
      out.checksum_trailer = out.checksum_trailer || trailer_names_checksum(h.value);
    } else if (names_checksum_value(h.name)) {
      out.checksum_value = true;
    }
  }
  return out;
}

Expected<void, s3::S3Error> check_sdk_checksum_algorithm(const IntegrityHeaders& headers) {
  if (headers.sdk_algorithm && !headers.checksum_value && !headers.checksum_trailer) {
    return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                     "x-amz-sdk-checksum-algorithm specified, but no "
                                     "corresponding x-amz-checksum-* or x-amz-trailer headers "
                                     "were found."));
  }
  return {};
}

Expected<void, s3::S3Error> require_integrity_header(const IntegrityHeaders& headers) {
  if (auto ok = check_sdk_checksum_algorithm(headers); !ok) return ok;
  if (!headers.content_md5 && !headers.checksum_value && !headers.checksum_trailer) {
    return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                     "Missing required header for this request: Content-MD5")
                          .because("no Content-MD5 and no x-amz-checksum-*"));
  }
  return {};
}

Expected<void, s3::S3Error> verify_body_checksum(ChecksumAlgorithm algorithm,
                                                 std::string_view expected_base64,
                                                 std::string_view body) {
  StreamingDigester digester(ChecksumSet{}.with(algorithm));
  digester.update(std::as_bytes(std::span<const char>(body.data(), body.size())));
  const Digests digests = digester.finish();
  const auto& computed = digests.checksums.get(algorithm);
  if (!computed || *computed != expected_base64) {
    return Unexpected(s3::make_error(ErrorCode::BadDigest,
                                     "The " + std::string(checksum_algorithm_name(algorithm)) +
                                         " you specified did not match the calculated checksum.")
                          .because("checksum mismatch"));
  }
  return {};
}

Expected<void, s3::S3Error> check_part_checksum_algorithm(std::optional<ChecksumAlgorithm> declared,
                                                          std::optional<ChecksumAlgorithm> sent) {
  if (!sent || sent == declared) return {};
  return Unexpected(s3::make_error(
      ErrorCode::InvalidRequest,
      "Checksum Type mismatch occurred, expected checksum Type: " + type_name(declared) +
          ", actual checksum Type: " + type_name(sent)));
}

}  // namespace upgate::store
