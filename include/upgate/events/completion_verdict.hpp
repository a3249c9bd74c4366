// The verdict on a completed upload: does what the storage holds match what was declared
// when the upload was signed? A pure function of facts the caller gathered (the upload
// token's declaration, a HEAD of the object with x-amz-checksum-mode: ENABLED, and the
// libmagic type of its first bytes).
//
// Checks in this order; the first failure is the verdict's reason (a stable code the API
// returns and upload.rejected carries):
//   size_mismatch      stored size != declared size
//   type_mismatch      stored Content-Type's essence != declared one's (case-insensitive,
//                      parameters ignored; a store that answers without one mismatches)
//   checksum_mismatch  a checksum was declared and the store reports the same algorithm
//                      with another value
//   content_mismatch   check_content() (content_rules.hpp) refused the detected type under
//                      the profile's verify_content mode
// Checksum verification is reported, not required: checksum_verified is true only when
// the store reported the declared algorithm with the same value. A store that reports none
// (Ceph RGW 16 ignores flexible checksums) or only a composite one ("…-3", multipart) leaves
// it false without refusing: the signed checksum header already bound the upload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/events/content_rules.hpp"

namespace upgate::events {

struct DeclaredChecksum {
  std::string algorithm;  // "sha256", "crc32c", ... (case-insensitive)
  std::string value;      // base64, as S3 spells it
};

struct DeclaredUpload {
  std::uint64_t size = 0;
  std::string content_type;
  std::optional<DeclaredChecksum> checksum;
};

struct StoredObject {
  std::uint64_t size = 0;
  std::string content_type;                  // HEAD's Content-Type; empty when absent
  std::optional<DeclaredChecksum> checksum;  // HEAD's x-amz-checksum-<algorithm>, if any
};

struct CompletionVerdict {
  bool accepted = true;
  std::string reason;  // empty when accepted; else one of the codes above
  std::string detail;  // one line for the client and the log
  bool checksum_verified = false;
};

// `detected_type` is ContentTypeDetector's answer for the first bytes; ignored when the
// mode is kOff.
CompletionVerdict judge_completion(const DeclaredUpload& declared, const StoredObject& stored,
                                   std::string_view detected_type, VerifyContent mode,
                                   const TypeAllowed& allowed);

}  // namespace upgate::events
