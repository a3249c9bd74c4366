// The integrity-header rules S3 applies on top of checking values: which operations need
// a checksum header at all, x-amz-sdk-checksum-algorithm without a value, whole-body
// checksums, and a part's algorithm against its upload's — each refusal in S3's words.
#include "store_http/request_integrity.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace upgate::store {
namespace {

using sigv4::HeaderView;

// Check values of "123456789", the standard test input for each algorithm.
constexpr std::string_view kBody = "123456789";
constexpr std::string_view kCrc32Check = "y/Q5Jg==";   // 0xCBF43926
constexpr std::string_view kCrc32cCheck = "4waSgw==";  // 0xE3069283
constexpr std::string_view kSha1Check = "98O8HYCOBHMq32eZZczDTKeuNEE=";
constexpr std::string_view kSha256Check = "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=";

IntegrityHeaders of(std::vector<HeaderView> headers) {
  return integrity_headers(headers);
}

TEST(RequestIntegrityTest, SeesEachIntegrityHeaderWhateverItsCase) {
  EXPECT_TRUE(of({{"Content-MD5", "x"}}).content_md5);
  EXPECT_TRUE(of({{"content-md5", "x"}}).content_md5);
  EXPECT_TRUE(of({{"X-Amz-Checksum-CRC32", "x"}}).checksum_value);
  EXPECT_TRUE(of({{"x-amz-checksum-sha256", "x"}}).checksum_value);
  EXPECT_TRUE(of({{"x-amz-sdk-checksum-algorithm", "CRC32"}}).sdk_algorithm);
  EXPECT_TRUE(of({{"x-amz-trailer", "x-amz-checksum-crc32"}}).checksum_trailer);
  EXPECT_TRUE(of({{"X-Amz-Trailer", " x-amz-meta-a , X-Amz-Checksum-Sha1 "}}).checksum_trailer);
  // Fields about checksums that carry none.
  const IntegrityHeaders none = of({{"x-amz-checksum-algorithm", "CRC32"},
                                    {"x-amz-checksum-type", "COMPOSITE"},
                                    {"x-amz-checksum-mode", "ENABLED"},
                                    {"x-amz-trailer", "x-amz-meta-a"},
                                    {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
                                    {"Content-Type", "application/xml"}});
  EXPECT_FALSE(none.content_md5 || none.checksum_value || none.checksum_trailer ||
               none.sdk_algorithm);
}

TEST(RequestIntegrityTest, ChecksumRequiredOperationsRefuseARequestWithoutOne) {
  const auto missing = require_integrity_header(
      of({{"Content-Type", "application/xml"}, {"x-amz-content-sha256", "abc"}}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, s3::ErrorCode::InvalidRequest);
  EXPECT_EQ(missing.error().http_status(), 400);
  EXPECT_EQ(missing.error().effective_message(),
            "Missing required header for this request: Content-MD5");
  // Any one of them will do: what old SDKs send, what new ones send, a trailer.
  EXPECT_TRUE(require_integrity_header(of({{"Content-MD5", "x"}})));
  EXPECT_TRUE(require_integrity_header(
      of({{"x-amz-checksum-crc32", "x"}, {"x-amz-sdk-checksum-algorithm", "CRC32"}})));
  EXPECT_TRUE(require_integrity_header(of({{"x-amz-trailer", "x-amz-checksum-crc32c"}})));
}

TEST(RequestIntegrityTest, AnSdkAlgorithmNeedsAChecksumBesideIt) {
  const std::string message =
      "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or "
      "x-amz-trailer headers were found.";
  for (const auto& headers :
       {of({{"x-amz-sdk-checksum-algorithm", "CRC32"}}),
        of({{"x-amz-sdk-checksum-algorithm", "CRC32"}, {"Content-MD5", "x"}})}) {
    const auto alone = check_sdk_checksum_algorithm(headers);
    ASSERT_FALSE(alone);
    EXPECT_EQ(alone.error().code, s3::ErrorCode::InvalidRequest);
    EXPECT_EQ(alone.error().effective_message(), message);
    // The operations that require a checksum say the same, not "missing Content-MD5".
    const auto required = require_integrity_header(headers);
    ASSERT_FALSE(required);
    EXPECT_EQ(required.error().effective_message(), message);
  }
  EXPECT_TRUE(check_sdk_checksum_algorithm(
      of({{"x-amz-sdk-checksum-algorithm", "CRC32"}, {"x-amz-checksum-crc32", "x"}})));
  EXPECT_TRUE(check_sdk_checksum_algorithm(
      of({{"x-amz-sdk-checksum-algorithm", "SHA1"}, {"x-amz-trailer", "x-amz-checksum-sha1"}})));
  EXPECT_TRUE(check_sdk_checksum_algorithm(of({})));
}

TEST(RequestIntegrityTest, WholeBodiesAreComparedWithTheirChecksum) {
  EXPECT_TRUE(verify_body_checksum(ChecksumAlgorithm::kCrc32, kCrc32Check, kBody));
  EXPECT_TRUE(verify_body_checksum(ChecksumAlgorithm::kCrc32c, kCrc32cCheck, kBody));
  EXPECT_TRUE(verify_body_checksum(ChecksumAlgorithm::kSha1, kSha1Check, kBody));
  EXPECT_TRUE(verify_body_checksum(ChecksumAlgorithm::kSha256, kSha256Check, kBody));

  const auto wrong = verify_body_checksum(ChecksumAlgorithm::kCrc32, kCrc32Check, "123456780");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, s3::ErrorCode::BadDigest);
  EXPECT_EQ(wrong.error().http_status(), 400);
  EXPECT_EQ(wrong.error().effective_message(),
            "The CRC32 you specified did not match the calculated checksum.");
  const auto other = verify_body_checksum(ChecksumAlgorithm::kSha256, kCrc32Check, kBody);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().effective_message(),
            "The SHA256 you specified did not match the calculated checksum.");
}

TEST(RequestIntegrityTest, APartsChecksumMustBeTheOneItsUploadDeclared) {
  using enum ChecksumAlgorithm;
  const auto undeclared = check_part_checksum_algorithm(std::nullopt, kCrc32);
  ASSERT_FALSE(undeclared);
  EXPECT_EQ(undeclared.error().code, s3::ErrorCode::InvalidRequest);
  EXPECT_EQ(undeclared.error().http_status(), 400);
  EXPECT_EQ(undeclared.error().effective_message(),
            "Checksum Type mismatch occurred, expected checksum Type: null, actual checksum "
            "Type: crc32");
  const auto different = check_part_checksum_algorithm(kSha1, kCrc32c);
  ASSERT_FALSE(different);
  EXPECT_EQ(different.error().effective_message(),
            "Checksum Type mismatch occurred, expected checksum Type: sha1, actual checksum "
            "Type: crc32c");

  EXPECT_TRUE(check_part_checksum_algorithm(kSha256, kSha256));
  EXPECT_TRUE(check_part_checksum_algorithm(std::nullopt, std::nullopt));
  EXPECT_TRUE(check_part_checksum_algorithm(kCrc32, std::nullopt));  // the store computes it
}

}  // namespace
}  // namespace upgate::store
