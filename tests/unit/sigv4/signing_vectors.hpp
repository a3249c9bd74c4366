// Test-only loader of the three SigV4 test-vector folders under
// tests/data/sigv4: one SigningVector per case and signing mode, with the
// inputs from context.json (or the aws4_testsuite's fixed context) and the
// expected canonical request, string to sign and signature.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/uri_encoding.hpp"

namespace upgate::sigv4::testing {

enum class SigningMode { kHeader, kQuery };

struct SigningVector {
  std::string suite;  // "aws-signing-test-suite", "aws4_testsuite", "s3"
  std::string name;   // case folder, e.g. "get-vanilla" or "normalize-path/get-slash"
  SigningMode mode = SigningMode::kHeader;
  std::string dir;

  // Inputs.
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  bool omit_session_token = false;  // token added after signing, unsigned
  std::string region;
  std::string service;
  Timestamp time;
  CanonicalUriOptions uri;
  bool hash_body = false;                   // payload hash = SHA-256(body), else of ""
  bool add_content_sha256 = false;          // header mode adds x-amz-content-sha256
  std::optional<std::string> payload_hash;  // s3: given explicitly
  std::chrono::seconds expires{0};
  std::string bucket, key, addressing_style;  // s3 presigned cases 8-11

  // Files.
  std::string request_path;
  std::string canonical_request_path;
  std::string string_to_sign_path;
  std::string signature_path;  // for aws4_testsuite: the .authz file
  std::string signed_request_path;
  std::string presigned_url_path;  // s3 query cases only

  std::string test_name() const;  // GoogleTest-safe
  Credentials credentials(bool with_token) const;
};

// GoogleTest prints a parameter with this instead of its bytes.
void PrintTo(const SigningVector& v, std::ostream* os);

std::string data_dir();
// Every case in the three folders, in header and (where given) query mode.
// Skips only the s3 cases other parts test (post-policy, streaming).
std::vector<SigningVector> load_signing_vectors();

}  // namespace upgate::sigv4::testing
