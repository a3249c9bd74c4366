// Verifying a signed request the way S3 does: parse the Authorization header
// or the presigned query into a ParsedAuth, check it (algorithm, credential
// scope, dates, expiry, skew, `host` signed, every x-amz-* header signed), look
// the secret up, rebuild the canonical request from the request itself,
// compare signatures in constant time. Each refusal names the S3 error code
// that applies (auth_error.hpp).
//
// Verification covers the request line and headers. The body is the caller's:
// a hex payload hash must be checked while streaming (XAmzContentSHA256Mismatch),
// and aws-chunked bodies are checked chunk by chunk with the signing key this
// returns (chunked.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/auth_error.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/request.hpp"
#include "upgate/sigv4/signing_key.hpp"
#include "upgate/sigv4/uri_encoding.hpp"

namespace upgate::sigv4 {

enum class AuthLocation { kNone, kHeader, kQuery };

// Which mechanism a request uses; kNone means anonymous. Looks only at the
// presence of `Authorization` and of X-Amz-* auth parameters in the query.
AuthLocation detect_auth(const RequestView& request);

struct ParsedAuth {
  AuthLocation location = AuthLocation::kNone;
  std::string access_key_id;
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // as listed by the client, lower-case
  std::string signature;                    // as provided
  std::string amz_date;                     // YYYYMMDDTHHMMSSZ, the time signed
  // The time came from the Date header (no X-Amz-Date): then Date must be signed.
  bool dated_by_date_header = false;
  Timestamp request_time;
  std::chrono::seconds expires{0};  // query auth only
  std::string security_token;       // X-Amz-Security-Token, header or query
  // Header auth: x-amz-content-sha256 (hex, UNSIGNED-PAYLOAD or a STREAMING-*
  // mode). Query auth: UNSIGNED-PAYLOAD unless that header is sent.
  std::string payload_hash;
};

// Syntax only: no clock, no secret.
Expected<ParsedAuth, AuthError> parse_auth(const RequestView& request);

struct VerifyPolicy {
  // The server's clock, at full precision: a presigned URL is valid until X-Amz-Date +
  // X-Amz-Expires seconds and refused any instant after, as S3 checks it. (X-Amz-Date has
  // whole seconds; a clock floored to seconds would let a URL live up to a second longer.)
  std::chrono::system_clock::time_point now;
  std::string_view region;  // the region this server answers for
  std::string_view service = "s3";
  std::chrono::seconds max_skew{15 * 60};
  CanonicalUriOptions uri;  // S3's rules by default
};

// Returns the credentials for an access key id, or nullopt when unknown.
using CredentialsLookup = std::function<std::optional<Credentials>(std::string_view access_key_id)>;

struct VerifiedAuth {
  ParsedAuth auth;
  // For aws-chunked bodies, whose chunk signatures chain from auth.signature.
  std::shared_ptr<const SigningKey> signing_key;
};

Expected<VerifiedAuth, AuthError> verify(const RequestView& request, const VerifyPolicy& policy,
                                         const CredentialsLookup& lookup,
                                         SigningKeyCache* cache = nullptr);

}  // namespace upgate::sigv4
